"""Step 4, putting the model in production (notebook 04_production).

    from lesson2.production.export import export_learner, export_onnx, onnx_from_pkl
    from lesson2.production.inference import load, predict
    from lesson2.production.ood import auroc, tradeoff
    from lesson2.production.launch import uvicorn_in_background
    from lesson2.production.web import export_web       # the static page: `lesson2 export --web`

export     the fastai .pkl, and the one ONNX file the web app serves
graph      what goes into that file: the network, its out-of-domain output, the preprocessing
ood        how far a picture lies from every class: the "none of these" answer
inference  load either kind of model and classify pictures with it
launch     run a server in the background, for notebooks, tests and benchmarks
web        the static site whose page runs the model in the visitor's browser (its page: site/)
quantize   int8 weights for that page, with out-of-domain statistics fitted again
runtime    ONNX Runtime Web, the npm package the page runs the model with

The web app itself is the package `lesson2_app` (app/), deployable without lesson2.
"""
