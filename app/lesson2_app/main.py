"""The lesson's web app: upload a picture, get the label, every class's probability, and whether
the picture looks like anything the model knows.

    LESSON2_MODEL=models/shapes.onnx uvicorn --app-dir app --factory lesson2_app.main:create_app
    lesson2 serve --model models/shapes.pkl          # the same, exporting the learner first
    app = create_app(Settings(model=path))           # tests: TestClient(app) or a real uvicorn

Routes: `GET /` the page, `POST /api/predict` (multipart field `file`), `POST /analyze` (the same
for course-v3's deployment starter: `{"result": label, ...}`), `GET /api/labels`,
`GET /api/health`, `GET /api/examples` and `GET /examples/{n}` (pictures to try). The model is
an ONNX file run by onnxruntime, loaded once, in the lifespan; predictions run in worker threads
so the event loop never waits on the model. Nothing a user sends is ever unpickled, and no route
fetches a URL.
"""

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .batcher import Batcher
from .model import Model
from .pictures import ImageError, NotAnImage, read_rgb
from .settings import Settings
from .uploads import read_upload

STATIC = Path(__file__).parent / "static"
EXAMPLES_PER_CLASS = 3  # thumbnails per class on the page
# The page may load its own files and show pictures the user picked (blob:); nothing else.
CSP = "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'"
SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"}  # examples browsers can show
log = logging.getLogger("lesson2_app")


def find_examples(folder, vocab, per_class=EXAMPLES_PER_CLASS):
    """[(label, path)] for the first few pictures in `folder`/<label>/ for each label of `vocab`.

    What a dataset folder is belongs to lesson2.dataset.folders, but the app runs without
    lesson2: this listing stays minimal (the model's own vocab, visible picture files) and
    serves only files it found at startup."""
    if folder is None:
        return []
    found = []
    for label in vocab:
        class_dir = Path(folder) / label
        if class_dir.is_dir():
            files = sorted(
                f
                for f in class_dir.iterdir()
                if f.suffix.lower() in SUFFIXES and not f.name.startswith(".") and f.is_file()
            )
            found += [(label, f) for f in files[:per_class]]
    return found


# ---- endpoints -------------------------------------------------------------------------------


async def homepage(request):
    return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": CSP})


async def classify(request):
    """The upload's prediction as a dict: label, probs, in_domain, ood_score, seconds."""
    start = time.perf_counter()
    state = request.state
    data = await read_upload(request, state.settings.max_upload_bytes)
    img = await anyio.to_thread.run_sync(
        read_rgb, data, state.settings.max_pixels, limiter=state.batcher.limiter
    )
    pred = await state.batcher.submit(img)
    return {
        "label": pred.label,
        "probs": pred.probs,
        "in_domain": pred.in_domain,
        "ood_score": pred.ood_score,
        "seconds": time.perf_counter() - start,
    }


async def predict(request):
    return JSONResponse(await classify(request))


async def analyze(request):
    """course-v3's starter (client.js) posts field `file` here and shows `result`."""
    return JSONResponse({"result": (answer := await classify(request))["label"], **answer})


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
            "threads": state.settings.threads,
            "ood_threshold": state.model.threshold,
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
    Route("/analyze", analyze, methods=["POST"]),
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
    settings, model = app.state.settings, app.state.model
    if model is None:
        model = await anyio.to_thread.run_sync(Model.load, settings.model, settings.threads)
    batcher = Batcher(model.predict_batch, workers=settings.workers, max_batch=settings.max_batch)
    async with batcher:
        yield {
            "settings": settings,
            "model": model,
            "batcher": batcher,
            "batch_sizes": batcher.batch_sizes,
            "vocab": model.vocab,
            "examples": find_examples(settings.examples, model.vocab),
        }


def create_app(settings=None, model=None):
    """The Starlette app for `settings` (default: from the environment).

    `model`, a lesson2_app.model.Model already loaded from settings.model, saves loading it
    twice."""
    app = Starlette(routes=routes, exception_handlers=exception_handlers, lifespan=lifespan)
    app.state.settings = settings or Settings.from_env()
    app.state.model = model
    return app
