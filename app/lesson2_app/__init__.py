"""The lesson's web app, deployable on its own: this package plus a model exported to ONNX.

    pip install -r app/requirements.txt
    LESSON2_MODEL=models/shapes.onnx uvicorn --app-dir app --factory lesson2_app.main:create_app

Only Pillow, NumPy, onnxruntime and Starlette: no torch, no fastai, and nothing from lesson2.
lesson2 itself imports the app's picture decoder, preprocessing and model runner from here
(`lesson2_app.pictures`, `.preprocess`, `.model`): one home each, under one name everywhere.
"""
