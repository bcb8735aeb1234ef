"""`lesson2 serve`: the web app for a trained model, at http://127.0.0.1:8000 by default.

    lesson2 serve --model ~/.lesson2/models/shapes.onnx
    lesson2 serve --model bears.pkl --host 0.0.0.0 --port 8080 --examples ~/bears

The app serves the ONNX file `lesson2 export` writes; given a learner (.pkl), this exports it
first (to the .onnx beside it, unless that one is newer). Options left out come from
LESSON2_MODEL, LESSON2_HOST, LESSON2_PORT, LESSON2_EXAMPLES and the other LESSON2_* settings in
app/lesson2_app/settings.py. Only export .pkl files you trust: loading one runs code from it.
"""

import dataclasses
import os
import socket
import sys
from pathlib import Path

from lesson2.commands import subcommand


def add(sub):
    p = subcommand(
        sub,
        "serve",
        "serve the web app (upload a picture, see the prediction) for an exported model",
        __doc__,
    )
    p.add_argument(
        "--model",
        dest="model_file",
        type=Path,
        help="the .onnx (or .pkl) to serve; env LESSON2_MODEL",
    )
    p.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, help="port to listen on (default 8000)")
    p.add_argument("--examples", type=Path, help="a folder of class folders to show as examples")
    p.add_argument("--workers", type=int, help="requests classified at once (default: cores)")
    return p


def _free(host, port):
    """None if `host:port` can be listened on, else why not."""
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError as e:
            return e.strerror or str(e)
    return None


def _defaults(model_file, examples):
    """The demo's model and pictures, for what neither the options nor LESSON2_* name."""
    from lesson2.workspace import data_dir

    if model_file is None and "LESSON2_MODEL" not in os.environ:
        model_file = data_dir() / "models" / "shapes.pkl"
    if examples is None and "LESSON2_EXAMPLES" not in os.environ:
        demo = data_dir() / "shapes"
        examples = demo if demo.is_dir() else None
    return model_file, examples


def run(*, model_file=None, host=None, port=None, examples=None, workers=None):
    """Serve the app for `model_file`; options left as None come from the LESSON2_* variables."""
    import uvicorn

    from lesson2.production.export import onnx_for
    from lesson2_app.main import create_app
    from lesson2_app.model import Model, ModelFileError
    from lesson2_app.settings import Settings, SettingsError

    model_file, examples = _defaults(model_file, examples)
    try:
        settings = Settings.from_env(
            model=model_file, host=host, port=port, examples=examples, workers=workers
        )
        settings = dataclasses.replace(settings, model=onnx_for(settings.model))
        model = Model.load(settings.model, settings.threads)  # a bad file: one clear line
    except (SettingsError, ModelFileError, ValueError, FileNotFoundError) as e:  # ExportError too
        print(f"lesson2 serve: {e}", file=sys.stderr)
        return 2
    problem = _free(settings.host, settings.port)
    if problem:
        print(
            f"lesson2 serve: cannot listen on {settings.host}:{settings.port} ({problem}): "
            "stop what is using it or pass --port",
            file=sys.stderr,
        )
        return 2
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    print(f"serving {settings.model.name} ({', '.join(model.vocab)})")
    print(f"open http://{shown}:{settings.port} in a browser (Ctrl+C stops the server)", flush=True)
    uvicorn.run(create_app(settings, model), host=settings.host, port=settings.port)
    return 0
