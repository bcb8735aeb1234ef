"""Runs a web server in a background process, for notebooks, tests and benchmarks.

    from lesson2.production.launch import serve_in_background, uvicorn_in_background
    with serve_in_background("models/shapes.pkl") as url:     # `lesson2 serve`, a free port
        httpx.post(f"{url}/api/predict", files={"file": open("cat.jpg", "rb")})
    with uvicorn_in_background("models/shapes.onnx") as url:  # the app alone, as deployed
        ...
    with uvicorn_in_background(model, python="appenv/bin/python", app_dir="app"):
        ...                          # a venv holding only app/requirements.txt, and the app/ folder
    with static_in_background("site") as url:                 # `python -m http.server -d site`
        ...                          # the static page `lesson2 export --web` wrote

The server is stopped when the block ends, even after an error; if it fails to start, the
error says why, with the end of the server's own output.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import httpx

FACTORY = "lesson2_app.main:create_app"  # the app's import name, installed or in app/


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def background(command, url, env=None, timeout=120):
    """Run `command` until the block ends; yields once GET `url` answers."""
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=log)
        try:
            _wait(url, proc, log, timeout)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _tail(log, chars=3000):
    log.seek(0)
    return log.read()[-chars:]


def _wait(url, proc, log, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}:\n{_tail(log)}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise TimeoutError(f"the server did not answer {url} within {timeout} s:\n{_tail(log)}")


@contextmanager
def serve_in_background(model_file, examples=None, port=None, env=None):
    """`lesson2 serve` for `model_file` (.onnx or .pkl) on 127.0.0.1; yields its base URL."""
    port = port or free_port()
    command = [sys.executable, "-m", "lesson2.cli", "serve", "--model", str(model_file)]
    command += ["--port", str(port)] + (["--examples", str(examples)] if examples else [])
    url = f"http://127.0.0.1:{port}"
    with background(command, f"{url}/api/health", env=env):
        yield url


def uvicorn_command(python=sys.executable, port=8000, workers=1, app_dir=None):
    """The command that runs the app alone (also app/Dockerfile's): the installed lesson2_app, or
    the one in `app_dir` (the repository's app/ folder)."""
    command = [python, "-m", "uvicorn", "--factory", FACTORY]
    command += ["--app-dir", str(app_dir)] if app_dir is not None else []
    return [*command, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


@contextmanager
def uvicorn_in_background(
    model_file, python=sys.executable, port=None, workers=1, app_dir=None, env=None
):
    """`uvicorn --factory lesson2_app.main:create_app` for the .onnx `model_file`, with `python`
    (say, a venv holding only app/requirements.txt, with `app_dir` the app/ folder); yields its
    base URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"LESSON2_MODEL": str(model_file), **(env or {})}
    command = uvicorn_command(python, port, workers, app_dir)
    with background(command, f"{url}/api/health", env=env):
        yield url


@contextmanager
def static_in_background(folder, port=None):
    """`python -m http.server` serving the files of `folder` on 127.0.0.1, as any static host
    would; yields its base URL (ending in /)."""
    port = port or free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1"]
    command += ["--directory", str(folder), str(port)]
    url = f"http://127.0.0.1:{port}/"
    with background(command, url):
        yield url
