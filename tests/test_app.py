"""The web app through Starlette's TestClient: every route, every bad input, real model files."""

import asyncio
import io
import json
import threading

import anyio
import numpy as np
import pytest
import torch
from _models import examples, tiny_model
from PIL import Image
from starlette.testclient import TestClient

from app.batcher import Batcher
from app.main import create_app
from app.settings import Settings, SettingsError
from lesson2.cli import main as cli
from lesson2.inference import load, predict
from lesson2.train import export

MAX_MB = 1  # the tests' upload limit


@pytest.fixture(scope="session")
def model_path(tmp_path_factory):
    return tiny_model(tmp_path_factory)


@pytest.fixture(scope="session")
def learn(model_path):
    return load(model_path)


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    return examples(tmp_path_factory)


@pytest.fixture(scope="module")
def settings(model_path, images):
    return Settings(model=model_path, examples=images, max_upload_mb=MAX_MB, workers=2)


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as client:
        yield client


def jpeg(path):
    return {"file": (path.name, path.read_bytes(), "image/jpeg")}


def png_bytes(img):
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def assert_error(response, status, says):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert says in response.json()["error"]
    assert "Traceback" not in response.text


# ---- the page and the API ----------------------------------------------------------------------


@pytest.mark.slow
def test_page_and_its_files_load_from_this_server_only(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert asset in page.text
        response = client.get(asset)
        assert response.status_code == 200
        assert "://" not in response.text  # no CDN, no fonts or scripts from elsewhere
    assert "://" not in page.text


@pytest.mark.slow
def test_predict_returns_label_probabilities_and_time(client, learn, images):
    path = sorted(images.glob("square/*.jpg"))[0]
    response = client.post("/api/predict", files=jpeg(path))
    assert response.status_code == 200, response.text
    body = response.json()
    expected = predict(learn, path)
    assert body["label"] == expected.label
    assert list(body["probs"]) == ["circle", "square", "triangle"]
    np.testing.assert_allclose(
        list(body["probs"].values()), list(expected.probs.values()), atol=1e-5
    )
    assert 0 < body["seconds"] < 60


@pytest.mark.slow
def test_transparent_png_upload(client, learn):
    rgba = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    rgba.paste((20, 90, 200, 255), (16, 16, 48, 48))
    response = client.post("/api/predict", files={"file": ("a.png", png_bytes(rgba), "image/png")})
    assert response.status_code == 200
    on_white = Image.new("RGB", (64, 64), "white")
    on_white.paste((20, 90, 200), (16, 16, 48, 48))
    np.testing.assert_allclose(
        list(response.json()["probs"].values()),
        list(predict(learn, on_white).probs.values()),
        atol=1e-5,
    )


@pytest.mark.slow
def test_labels_and_health(client, model_path):
    assert client.get("/api/labels").json() == {"labels": ["circle", "square", "triangle"]}
    health = client.get("/api/health").json()
    assert health["status"] == "ok"
    assert health["model"] == model_path.name
    assert health["workers"] == 2 and health["torch_threads"] >= 1


@pytest.mark.slow
def test_examples_are_listed_and_served(client, images):
    listed = client.get("/api/examples").json()["examples"]
    assert [e["label"] for e in listed] == ["circle"] * 3 + ["square"] * 3 + ["triangle"] * 3
    first = client.get(listed[0]["url"])
    assert first.status_code == 200
    assert first.content == sorted(images.glob("circle/*.jpg"))[0].read_bytes()
    assert_error(client.get("/examples/99"), 404, "there is no example 99")
    assert_error(client.get("/examples/..%2F..%2Fetc%2Fpasswd"), 404, "nothing at")


# ---- bad input: a clear JSON message, and the server goes on serving --------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "status", "says"),
    [
        ({"file": ("notes.txt", b"shopping: eggs, milk", "text/plain")}, 415, "not an image"),
        ({"file": ("empty.jpg", b"", "image/jpeg")}, 400, "is empty"),
        ({"photo": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")}, 400, "form field named 'file'"),
    ],
)
def test_bad_uploads(client, files, status, says):
    assert_error(client.post("/api/predict", files=files), status, says)


@pytest.mark.slow
def test_corrupt_image_and_bomb(client, images):
    data = sorted(images.glob("circle/*.jpg"))[1].read_bytes()
    cut = {"file": ("cut.jpg", data[: len(data) // 2], "image/jpeg")}
    assert_error(client.post("/api/predict", files=cut), 400, "damaged or cut short")
    from test_inference import png_header_only

    bomb = {"file": ("bomb.png", png_header_only(10_000, 10_000), "image/png")}
    assert_error(client.post("/api/predict", files=bomb), 400, "pixels")


@pytest.mark.slow
def test_not_a_form_and_malformed_forms(client):
    assert_error(client.post("/api/predict", json={"file": "x"}), 415, "multipart/form-data")
    bad = {"content-type": "multipart/form-data"}  # no boundary
    assert_error(client.post("/api/predict", content=b"--x\r\n", headers=bad), 400, "boundary")
    two = [("file", ("a.jpg", b"1", "image/jpeg")), ("file", ("b.jpg", b"2", "image/jpeg"))]
    assert_error(client.post("/api/predict", files=two), 400, "Too many files")


@pytest.mark.slow
def test_too_large_upload_is_413(client):
    big = {"file": ("big.jpg", b"\xff" * (MAX_MB * 2**20 + 1), "image/jpeg")}
    assert_error(client.post("/api/predict", files=big), 413, f"{MAX_MB} MB limit")
    lying = {"content-type": "multipart/form-data; boundary=x", "content-length": "abc"}
    assert_error(client.post("/api/predict", content=b"", headers=lying), 400, "not a number")


@pytest.mark.slow
def test_wrong_method_and_unknown_path(client):
    response = client.get("/api/predict")
    assert_error(response, 405, "GET is not allowed on /api/predict: use POST")
    assert response.headers["allow"] == "POST"
    assert_error(client.delete("/"), 405, "DELETE is not allowed")
    assert_error(client.get("/admin"), 404, "nothing at /admin")


@pytest.mark.slow
def test_server_keeps_serving_after_bad_input(client, images):
    for _ in range(3):
        client.post("/api/predict", files={"file": ("x.txt", b"nope", "text/plain")})
    path = sorted(images.glob("triangle/*.jpg"))[0]
    assert client.post("/api/predict", files=jpeg(path)).status_code == 200


@pytest.mark.slow
def test_unexpected_errors_are_json_500_and_serving_goes_on(learn, tmp_path, images):
    """A real exported model whose network does not fit the images: every prediction fails."""
    learn.model, model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(5, 3)), learn.model
    try:
        broken = export(learn, tmp_path / "broken.pkl")
    finally:
        learn.model = model
    app = create_app(Settings(model=broken, examples=None, workers=1))
    with TestClient(app, raise_server_exceptions=False) as client:
        path = sorted(images.glob("circle/*.jpg"))[0]
        for _ in range(2):
            assert_error(client.post("/api/predict", files=jpeg(path)), 500, "in its log")
        assert client.get("/api/health").status_code == 200


# ---- the size limit works while the body streams in ------------------------------------------


def run_asgi(app, headers, chunks):
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
                "type": "http", "method": "POST", "path": "/api/predict", "raw_path": b"",
                "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
                "server": ("test", 80), "client": ("test", 1), "app": app, "state": dict(state),
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }  # fmt: skip
            await app(scope, receive, send)

    anyio.run(call)
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
def test_streamed_upload_is_cut_off_at_the_limit(settings):
    app = create_app(settings)
    headers = {"content-type": "multipart/form-data; boundary=x"}  # chunked: no Content-Length
    status, body, pulled = run_asgi(app, headers, endless_upload())
    assert status == 413 and "limit" in body["error"]
    assert pulled <= MAX_MB * 4 + 2  # the limit plus one 256 KB chunk and the form's headers


@pytest.mark.slow
def test_declared_length_over_the_limit_is_refused_before_reading(settings):
    app = create_app(settings)
    headers = {"content-type": "multipart/form-data; boundary=x", "content-length": str(2**40)}
    status, _, pulled = run_asgi(app, headers, endless_upload())
    assert status == 413 and pulled == 0


# ---- micro-batching keeps the event loop free ------------------------------------------------


def test_requests_waiting_for_a_busy_worker_share_one_batch():
    release, started = threading.Event(), threading.Event()

    def slow_double(items):
        started.set()
        release.wait(10)
        return [2 * i for i in items]

    async def scenario():
        async with Batcher(slow_double, workers=1, max_batch=4) as batcher:
            first = asyncio.create_task(batcher.submit(0))
            await anyio.to_thread.run_sync(started.wait, 10)
            rest = [asyncio.create_task(batcher.submit(i)) for i in range(1, 7)]
            await asyncio.sleep(0.05)  # the loop runs while the worker thread is busy
            release.set()
            return await first, await asyncio.gather(*rest), batcher.batch_sizes

    first, rest, sizes = anyio.run(scenario)
    assert (first, rest) == (0, [2, 4, 6, 8, 10, 12])
    assert sizes == {1: 1, 4: 1, 2: 1}  # alone, then the queue in batches of at most max_batch


def test_batch_errors_reach_every_waiting_request():
    def fail(items):
        raise RuntimeError("model broke")

    async def scenario():
        async with Batcher(fail) as batcher:
            return await asyncio.gather(
                batcher.submit(1), batcher.submit(2), return_exceptions=True
            )

    assert [str(e) for e in anyio.run(scenario)] == ["model broke", "model broke"]


# ---- settings and the serve command ---------------------------------------------------------


def test_settings_from_environment(tmp_path):
    env = {
        "LESSON2_MODEL": str(tmp_path / "m.pkl"), "LESSON2_PORT": "8123",
        "LESSON2_MAX_UPLOAD_MB": "2.5", "LESSON2_WORKERS": "1", "LESSON2_EXAMPLES": str(tmp_path),
        "LESSON2_DATA": "/elsewhere",
    }  # fmt: skip
    s = Settings.from_env(env, host="0.0.0.0")
    assert (s.model, s.port, s.max_upload_bytes, s.workers) == (
        tmp_path / "m.pkl",
        8123,
        2621440,
        1,
    )
    assert (s.host, s.examples) == ("0.0.0.0", tmp_path)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"LESSON2_PORT": "eighty"}, "LESSON2_PORT='eighty' is not a valid int"),
        ({"LESSON2_PORT": "70000"}, "at most 65535"),
        ({"LESSON2_WORKERS": "0"}, "LESSON2_WORKERS must be positive"),
        ({"LESSON2_MAX_UPLOAD": "5"}, "unknown setting LESSON2_MAX_UPLOAD"),
        ({"LESSON2_EXAMPLES": "/no/such/folder"}, "is not a folder"),
    ],
)
def test_bad_settings_fail_fast(env, says):
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(env)


def test_serve_explains_a_bad_model_file(tmp_path, capsys):
    page = tmp_path / "model.pkl"
    page.write_text("<!DOCTYPE html><html>Sign in</html>")
    assert cli(["serve", "--model", str(page)]) == 2
    assert "is an HTML page, not a model" in capsys.readouterr().err
    assert cli(["serve", "--model", str(tmp_path / "none.pkl")]) == 2
    assert "does not exist" in capsys.readouterr().err
