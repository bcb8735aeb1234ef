"""`lesson2 serve`: the web app for an exported model, at http://127.0.0.1:8000 by default.

    lesson2 serve --model ~/.lesson2/models/shapes.pkl
    lesson2 serve --model export.pkl --host 0.0.0.0 --port 8080 --examples ~/bears

Options left out come from LESSON2_MODEL, LESSON2_HOST, LESSON2_PORT, LESSON2_EXAMPLES and the
other LESSON2_* settings in app/settings.py. Only serve model files you trust: loading one runs
code from it.
"""

import argparse
import sys
from pathlib import Path


def add(sub):
    p = sub.add_parser(
        "serve",
        help="serve the web app (upload a picture, see the prediction) for an exported model",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", type=Path, help="the exported learner (.pkl); env LESSON2_MODEL")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, help="port to listen on (default 8000)")
    p.add_argument("--examples", type=Path, help="a folder of class folders to show as examples")
    p.add_argument("--workers", type=int, help="inference threads (default: one per core)")
    return p


def _free(host, port):
    """None if `host:port` can be listened on, else why not."""
    import socket

    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError as e:
            return e.strerror or str(e)
    return None


def run(*, model=None, host=None, port=None, examples=None, workers=None):
    """Serve the app for `model`; options left as None come from the LESSON2_* variables."""
    import uvicorn

    from app.main import create_app
    from app.settings import Settings, SettingsError
    from lesson2.inference import ModelFileError, load

    try:
        settings = Settings.from_env(
            model=model, host=host, port=port, examples=examples, workers=workers,
        )  # fmt: skip
        learn = load(settings.model)  # here, so a bad file is one clear line, not a traceback
    except (SettingsError, ModelFileError) as e:
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
    print(f"serving {settings.model.name} ({', '.join(map(str, learn.dls.vocab))})")
    print(f"open http://{shown}:{settings.port} in a browser (Ctrl+C stops the server)", flush=True)
    uvicorn.run(create_app(settings, learn), host=settings.host, port=settings.port)
    return 0
