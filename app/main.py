"""The lesson's web app: upload a picture, get the label and every class's probability.

    uvicorn --factory app.main:create_app            # settings from LESSON2_* variables
    lesson2 serve --model models/shapes.pkl          # the same, from the command line
    app = create_app(Settings(model=path))           # tests: TestClient(app) or a real uvicorn

Routes: `GET /` the page, `POST /api/predict` (multipart field `file`), `GET /api/labels`,
`GET /api/health`, `GET /api/examples` and `GET /examples/{n}` (pictures to try). The model is
loaded once, in the lifespan; predictions run in worker threads so the event loop never waits
on the model. Nothing a user sends is ever unpickled, and no route fetches a URL.
"""

import logging
import time
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import anyio.to_thread
import torch
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.batcher import Batcher
from app.settings import Settings
from app.uploads import read_upload
from lesson2.folders import IMAGE_SUFFIXES, class_folders
from lesson2.inference import load, predict_batch
from lesson2.pictures import ImageError, NotAnImage, read_rgb

STATIC = Path(__file__).parent / "static"
EXAMPLES_PER_CLASS = 3  # thumbnails per class on the page
# The page may load its own files and show pictures the user picked (blob:); nothing else.
CSP = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'"
log = logging.getLogger("lesson2.app")


def find_examples(folder, per_class=EXAMPLES_PER_CLASS):
    """[(label, path)] for the first few pictures of each class subfolder of `folder`."""
    if folder is None:
        return []
    found = []
    for class_dir in class_folders(folder):
        files = sorted(f for f in class_dir.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        found += [(class_dir.name, f) for f in files[:per_class]]
    return found


# ---- endpoints -------------------------------------------------------------------------------


async def homepage(request):
    return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": CSP})


async def predict(request):
    start = time.perf_counter()
    state = request.state
    data = await read_upload(request, state.settings.max_upload_bytes)
    img = await anyio.to_thread.run_sync(
        read_rgb, data, state.settings.max_pixels, limiter=state.batcher.limiter
    )
    pred = await state.batcher.submit(img)
    seconds = time.perf_counter() - start
    return JSONResponse({"label": pred.label, "probs": pred.probs, "seconds": seconds})


async def labels(request):
    return JSONResponse({"labels": request.state.vocab})


async def health(request):
    state = request.state
    return JSONResponse(
        {
            "status": "ok",
            "model": state.settings.model.name,
            "labels": state.vocab,
            "workers": state.settings.workers,
            "torch_threads": torch.get_num_threads(),
            "batch_sizes": {str(k): v for k, v in sorted(state.batch_sizes.items())},
        }
    )


async def examples(request):
    found = request.state.examples
    return JSONResponse(
        {
            "examples": [
                {"label": label, "url": f"/examples/{i}"} for i, (label, _) in enumerate(found)
            ]
        }
    )


async def example(request):
    found = request.state.examples
    n = request.path_params["n"]
    if n >= len(found):  # only files listed at startup are served: no path comes from the URL
        raise HTTPException(404, f"there is no example {n}: GET /api/examples lists them")
    return FileResponse(found[n][1])


routes = [
    Route("/", homepage),
    Route("/api/predict", predict, methods=["POST"]),
    Route("/api/labels", labels),
    Route("/api/health", health),
    Route("/api/examples", examples),
    Route("/examples/{n:int}", example),
    Mount("/static", StaticFiles(directory=STATIC), name="static"),
]


# ---- errors: always JSON that says what happened and what to do ------------------------------


async def http_error(request, exc):
    message = exc.detail
    if exc.status_code == 404 and message == "Not Found":  # no route matched
        message = f"nothing at {request.url.path}: the page is at / and the API under /api/"
    elif exc.status_code == 405:
        message = (
            f"{request.method} is not allowed on {request.url.path}: use {exc.headers['Allow']}"
        )
    return JSONResponse({"error": message}, exc.status_code, headers=exc.headers)


async def image_error(request, exc):
    return JSONResponse({"error": str(exc)}, 415 if isinstance(exc, NotAnImage) else 400)


async def server_error(request, exc):
    log.error("unexpected error on %s %s: %r", request.method, request.url.path, exc)
    message = "the server failed to classify this image; the error is in its log. Try again"
    return JSONResponse({"error": message}, 500)


exception_handlers = {HTTPException: http_error, ImageError: image_error, Exception: server_error}


# ---- the app ---------------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app):
    settings, learn = app.state.settings, app.state.learn
    if learn is None:
        learn = await anyio.to_thread.run_sync(load, settings.model)
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.torch_threads)
    batch = partial(predict_batch, learn, max_pixels=settings.max_pixels)
    batcher = Batcher(batch, workers=settings.workers, max_batch=settings.max_batch)
    try:
        async with batcher:
            yield {
                "settings": settings,
                "batcher": batcher,
                "batch_sizes": batcher.batch_sizes,
                "vocab": [str(v) for v in learn.dls.vocab],
                "examples": find_examples(settings.examples),
            }
    finally:
        torch.set_num_threads(threads)


def create_app(settings=None, learn=None):
    """The Starlette app for `settings` (default: from the environment).

    `learn`, a learner already loaded from settings.model, saves loading it a second time."""
    app = Starlette(routes=routes, exception_handlers=exception_handlers, lifespan=lifespan)
    app.state.settings = settings or Settings.from_env()
    app.state.learn = learn
    return app
