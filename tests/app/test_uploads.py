"""Uploads (app/uploads.py): the size limit holds while the body streams in."""

import json

import pytest

from lesson2_app.main import create_app
from lesson2_app.settings import Settings

MAX_MB = 1


@pytest.fixture(scope="module")
def settings(tiny_onnx):
    return Settings(model=tiny_onnx, max_upload_mb=MAX_MB, workers=1)


def run_asgi(app, headers, chunks, run_async):
    """Send a request straight to the ASGI app; returns (status, body, chunks the app pulled)."""
    pulled, sent = 0, []

    async def receive():
        nonlocal pulled
        pulled += 1
        chunk = next(chunks, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message):
        sent.append(message)

    async def call():
        async with app.router.lifespan_context(app) as state:
            scope = {
                "type": "http",
                "method": "POST",
                "path": "/api/predict",
                "raw_path": b"",
                "query_string": b"",
                "root_path": "",
                "scheme": "http",
                "http_version": "1.1",
                "server": ("test", 80),
                "client": ("test", 1),
                "app": app,
                "state": dict(state),
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
            await app(scope, receive, send)

    run_async(call)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body), pulled


def endless_upload(chunk_kb=256, total_mb=64):
    """A multipart body far over the limit: the file part streams megabyte after megabyte."""
    yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="huge.jpg"\r\n\r\n'
    for _ in range(total_mb * 1024 // chunk_kb):
        yield b"\0" * (chunk_kb * 1024)
    yield b"\r\n--x--\r\n"


@pytest.mark.slow
def test_streamed_upload_is_cut_off_at_the_limit(settings, run_async):
    app = create_app(settings)
    headers = {"content-type": "multipart/form-data; boundary=x"}  # chunked: no Content-Length
    status, body, pulled = run_asgi(app, headers, endless_upload(), run_async)
    assert status == 413 and "limit" in body["error"]
    assert pulled <= MAX_MB * 4 + 2  # the limit plus one 256 KB chunk and the form's headers


@pytest.mark.slow
def test_declared_length_over_the_limit_is_refused_before_reading(settings, run_async):
    app = create_app(settings)
    headers = {"content-type": "multipart/form-data; boundary=x", "content-length": str(2**40)}
    status, _, pulled = run_asgi(app, headers, endless_upload(), run_async)
    assert status == 413 and pulled == 0
