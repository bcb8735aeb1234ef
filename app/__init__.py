"""The lesson's web app, deployable on its own: this folder plus a model file exported to ONNX.

    pip install -r app/requirements.txt
    LESSON2_MODEL=models/shapes.onnx uvicorn --factory app.main:create_app

Only Pillow, NumPy, onnxruntime and Starlette: no torch, no fastai. Modules import each other
relatively, so the same files also work installed as `lesson2.app`.
"""
