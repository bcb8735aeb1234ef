"""The web app (app/main.py) through Starlette's TestClient: every route, every bad input, real
model files exported to ONNX from a real learner."""

import io
import json

import numpy as np
import onnx
import pytest
from PIL import Image
from starlette.testclient import TestClient

from lesson2.demo.localweb import bomb_png
from lesson2.demo.outsiders import real_photos
from lesson2_app.main import create_app
from lesson2_app.settings import Settings

MAX_MB = 1  # the tests' upload limit


@pytest.fixture(scope="module")
def settings(tiny_onnx, tiny_examples):
    return Settings(model=tiny_onnx, examples=tiny_examples, max_upload_mb=MAX_MB, workers=2)


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
    for asset in ("/static/app.js", "/static/style.css", "/static/page.js"):
        assert asset in page.text or asset == "/static/page.js"  # app.js imports page.js
        response = client.get(asset)
        assert response.status_code == 200
        assert "://" not in response.text  # no CDN, no fonts or scripts from elsewhere
    assert "://" not in page.text


@pytest.mark.slow
def test_predict_returns_label_probabilities_domain_and_time(client, tiny_learn, tiny_examples):
    path = sorted(tiny_examples.glob("square/*.jpg"))[0]
    response = client.post("/api/predict", files=jpeg(path))
    assert response.status_code == 200, response.text
    body = response.json()
    label, _, probs = tiny_learn.predict(path)  # fastai's own answer
    assert body["label"] == label
    assert list(body["probs"]) == ["circle", "square", "triangle"]
    np.testing.assert_allclose(list(body["probs"].values()), probs.numpy(), atol=1e-3)
    assert body["in_domain"] is True and body["ood_score"] >= 0
    assert 0 < body["seconds"] < 60


@pytest.mark.slow
def test_analyze_answers_course_v3s_client(client, tiny_examples):
    """course-v3's client.js posts field `file` to /analyze and shows `result`."""
    path = sorted(tiny_examples.glob("circle/*.jpg"))[0]
    body = client.post("/analyze", files=jpeg(path)).json()
    assert (
        body["result"]
        == body["label"]
        == client.post("/api/predict", files=jpeg(path)).json()["label"]
    )
    assert_error(client.post("/analyze", files={"file": ("a.txt", b"hi", "text/plain")}), 415, "")
    big = {"file": ("big.jpg", b"\xff" * (MAX_MB * 2**20 + 1), "image/jpeg")}
    assert_error(client.post("/analyze", files=big), 413, f"{MAX_MB} MB limit")


@pytest.mark.slow
def test_a_photo_of_a_cat_is_not_in_domain(client):
    data = png_bytes(real_photos(["chelsea"])["chelsea"])
    body = client.post("/api/predict", files={"file": ("chelsea.png", data, "image/png")}).json()
    assert body["in_domain"] is False
    assert body["ood_score"] > client.get("/api/health").json()["ood_threshold"]


@pytest.mark.slow
def test_transparent_png_upload(client):
    rgba = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    rgba.paste((20, 90, 200, 255), (16, 16, 48, 48))
    response = client.post("/api/predict", files={"file": ("a.png", png_bytes(rgba), "image/png")})
    assert response.status_code == 200
    on_white = Image.new("RGB", (64, 64), "white")
    on_white.paste((20, 90, 200), (16, 16, 48, 48))
    expected = client.post("/api/predict", files={"file": ("w.png", png_bytes(on_white))})
    np.testing.assert_allclose(
        list(response.json()["probs"].values()), list(expected.json()["probs"].values()), atol=1e-6
    )


@pytest.mark.slow
def test_labels_and_health(client, tiny_onnx):
    assert client.get("/api/labels").json() == {"labels": ["circle", "square", "triangle"]}
    health = client.get("/api/health").json()
    assert health["status"] == "ok"
    assert health["model"] == tiny_onnx.name
    assert health["workers"] == 2 and health["threads"] >= 1 and health["ood_threshold"] > 0


@pytest.mark.slow
def test_examples_are_listed_and_served(client, tiny_examples):
    listed = client.get("/api/examples").json()["examples"]
    assert [e["label"] for e in listed] == [
        c for c in ["circle", "square", "triangle"] for _ in range(3)
    ]
    first = client.get(listed[0]["url"])
    assert first.status_code == 200
    assert first.content == sorted(tiny_examples.glob("circle/*.jpg"))[0].read_bytes()
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
def test_corrupt_image_and_bomb(client, tiny_examples):
    data = sorted(tiny_examples.glob("circle/*.jpg"))[1].read_bytes()
    cut = {"file": ("cut.jpg", data[: len(data) // 2], "image/jpeg")}
    assert_error(client.post("/api/predict", files=cut), 400, "damaged or cut short")
    bomb = {"file": ("bomb.png", bomb_png(10_000), "image/png")}
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
def test_server_keeps_serving_after_bad_input(client, tiny_examples):
    for _ in range(3):
        client.post("/api/predict", files={"file": ("x.txt", b"nope", "text/plain")})
    path = sorted(tiny_examples.glob("triangle/*.jpg"))[0]
    assert client.post("/api/predict", files=jpeg(path)).status_code == 200


@pytest.mark.slow
def test_unexpected_errors_are_json_500_and_serving_goes_on(tiny_onnx, tmp_path, tiny_examples):
    """A real model file whose metadata asks for pictures the network cannot take."""
    proto = onnx.load(str(tiny_onnx))
    meta = next(p for p in proto.metadata_props if p.key == "lesson2")
    fields = json.loads(meta.value)
    fields["preprocess"]["size"] = [40, 40]
    meta.value = json.dumps(fields)
    broken = tmp_path / "broken.onnx"
    onnx.save(proto, str(broken))
    app = create_app(Settings(model=broken, examples=None, workers=1))
    with TestClient(app, raise_server_exceptions=False) as client:
        path = sorted(tiny_examples.glob("circle/*.jpg"))[0]
        for _ in range(2):
            assert_error(client.post("/api/predict", files=jpeg(path)), 500, "in its log")
        assert client.get("/api/health").status_code == 200


# ---- odd but valid pictures all get an answer -------------------------------------------------


def odd_pictures():
    from lesson2.demo.shapes import draw

    base = draw("circle", seed=1, size=96)
    rgba = base.convert("RGBA")
    rgba.putalpha(128)
    sixteen = Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    frames = [draw(k, seed=2, size=64).convert("P") for k in ("circle", "square")]
    huge = Image.new("RGB", (6000, 4000), (40, 120, 200))  # 24 megapixels
    return {
        "rgba.png": (rgba, "PNG", {}),
        "sixteen.png": (sixteen, "PNG", {}),
        "cmyk.jpg": (base.convert("CMYK"), "JPEG", {}),
        "exif.jpg": (base, "JPEG", {"exif": exif}),
        "animated.gif": (frames[0], "GIF", {"save_all": True, "append_images": frames[1:]}),
        "24mp.jpg": (huge, "JPEG", {"quality": 30}),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", list(odd_pictures()))
def test_odd_valid_pictures_get_200(client, name):
    img, fmt, kwargs = odd_pictures()[name]
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    assert len(buf.getvalue()) < MAX_MB * 2**20
    response = client.post("/api/predict", files={"file": (name, buf.getvalue())})
    assert response.status_code == 200, response.text
    assert response.json()["label"] in set(["circle", "square", "triangle"])
