"""The web app as a person meets it: `lesson2 serve` in a real uvicorn, a real headless Chromium."""

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image

from lesson2.demo.outsiders import real_photos
from lesson2.demo.tiny_model import TINY_CLASSES
from lesson2.production.launch import serve_in_background

MAX_MB = 1
LABELS = set(TINY_CLASSES)  # the tiny model learnt these three of the demo's classes


@pytest.fixture(scope="module")
def server(tiny_model_path, tiny_examples):
    """The base URL of `lesson2 serve` running the tiny model in its own process: given the
    .pkl, it exports the ONNX file and serves that, on onnxruntime."""
    with serve_in_background(
        tiny_model_path, tiny_examples, env={"LESSON2_MAX_UPLOAD_MB": str(MAX_MB)}
    ) as url:
        yield url


def surest_right(server, examples, every=5):
    """(path, answer) of the picture whose own label the model gives the highest probability,
    among every `every`-th one: the screenshot shows a right answer."""
    best = None
    for path in sorted(examples.glob("*/*.jpg"))[::every]:
        answer = httpx.post(f"{server}/api/predict", files={"file": path.open("rb")}).json()
        right = answer["probs"][path.parent.name] if answer["label"] == path.parent.name else 0
        if best is None or right > best[0]:
            best = (right, path, answer)
    return best[1], best[2]


def read_bars(page):
    """{class: percent} as the page shows it."""
    bars = {}
    for li in page.locator("#bars li").all():
        pct = li.locator(".pct").inner_text()
        assert re.fullmatch(r"\d+\.\d%", pct), pct
        width = li.locator(".fill").evaluate("e => e.style.width")
        assert float(width.rstrip("%")) == float(pct[:-1])  # the bar is as long as it says
        bars[li.locator(".name").inner_text()] = float(pct[:-1])
    return bars


@pytest.mark.browser
@pytest.mark.slow
def test_a_person_uploads_a_picture_and_sees_label_and_bars(server, page, tiny_examples, pictures):
    path, expected = surest_right(server, tiny_examples)
    assert expected["label"] == path.parent.name
    page.goto(server)
    assert page.locator("#examples li").count() == 3 * len(LABELS)
    page.set_input_files("#file", path)
    page.locator("#label").wait_for(state="visible", timeout=30_000)
    assert page.locator("#label").inner_text().lower() == expected["label"]
    assert page.locator("#preview").is_visible()
    bars = read_bars(page)
    assert set(bars) == LABELS
    for name, pct in bars.items():
        assert pct == pytest.approx(100 * expected["probs"][name], abs=0.051)
    assert sum(bars.values()) == pytest.approx(100, abs=0.2)
    assert page.locator("#bars li.top .name").inner_text() == expected["label"]
    assert re.fullmatch(r"answered in \d+ ms", page.locator("#timing").inner_text())
    # notebook 04 shows it: pytest --save-pictures tests/artifacts refreshes tests/artifacts/app.png
    page.screenshot(path=str(pictures / "app.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.slow
def test_examples_drop_and_paste_classify(server, page):
    page.goto(server)
    page.locator("#examples button").nth(4).click()
    page.locator("#label").wait_for(state="visible", timeout=30_000)
    assert page.locator("#label").inner_text().lower() in LABELS
    assert len(read_bars(page)) == len(LABELS)
    for event in ("drop", "paste"):
        page.evaluate("() => { document.getElementById('label').hidden = true; }")
        page.evaluate(
            """async (event) => {
                const blob = await (await fetch("/examples/0")).blob();
                const data = new DataTransfer();
                data.items.add(new File([blob], "circle.jpg", { type: "image/jpeg" }));
                const target = document.getElementById("drop");
                const e = event === "drop"
                    ? new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true })
                    : new ClipboardEvent("paste", { clipboardData: data, bubbles: true });
                target.dispatchEvent(e);
            }""",
            event,
        )
        page.locator("#label").wait_for(state="visible", timeout=30_000)
        assert page.locator("#status").inner_text() == "This looks like:"


@pytest.mark.browser
@pytest.mark.slow
def test_a_file_that_is_not_an_image_gets_a_clear_message(server, page):
    page.goto(server)
    fake = {"name": "holiday.png", "mimeType": "image/png", "buffer": b"this is a text file"}
    page.set_input_files("#file", files=[fake])
    status = page.locator("#status.error")
    status.wait_for(timeout=30_000)
    assert "not an image" in status.inner_text() and "JPEG" in status.inner_text()
    assert page.locator("#label").is_hidden()


# ---- the same server, without a browser: limits and load ---------------------------------------


@pytest.mark.slow
def test_oversized_uploads_get_413_and_the_server_keeps_serving(server):
    big = b"\xff" * (MAX_MB * 2**20 + 100_000)
    response = httpx.post(f"{server}/api/predict", files={"file": ("big.jpg", big)}, timeout=30)
    assert response.status_code == 413 and "1 MB limit" in response.json()["error"]

    def chunks():  # no Content-Length: the server must count the bytes as they arrive
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        for _ in range(64):
            yield b"\0" * 2**18
        yield b"\r\n--x--\r\n"

    headers = {"content-type": "multipart/form-data; boundary=x"}
    try:
        response = httpx.post(
            f"{server}/api/predict", content=chunks(), headers=headers, timeout=30
        )
        assert response.status_code == 413
    except httpx.WriteError:
        pass  # the server answered 413 and closed the connection while we were still sending
    assert httpx.get(f"{server}/api/health").json()["status"] == "ok"


@pytest.mark.slow
def test_concurrent_clients_all_get_answers(server, tiny_examples):
    paths = sorted(tiny_examples.glob("*/*.jpg"))[:16]

    def ask(path):
        with httpx.Client(timeout=60) as client:
            return client.post(f"{server}/api/predict", files={"file": path.open("rb")})

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(ask, paths))
    assert all(r.status_code == 200 and r.json()["label"] in LABELS for r in responses)
    batch_sizes = httpx.get(f"{server}/api/health").json()["batch_sizes"]
    assert sum(int(k) * v for k, v in batch_sizes.items()) >= 16


@pytest.mark.browser
@pytest.mark.slow
def test_a_cat_photo_gets_none_of_these_instead_of_a_label(server, page, tmp_path):
    cat = tmp_path / "chelsea.png"
    real_photos(["chelsea"])["chelsea"].save(cat)
    page.goto(server)
    page.set_input_files("#file", cat)
    page.locator("#result.unknown").wait_for(timeout=30_000)
    status = page.locator("#status").inner_text()
    assert status == f"This does not look like any of: {', '.join(sorted(TINY_CLASSES))}."
    assert page.locator("#label").is_hidden()
    assert page.locator("#bars li.top").count() == 0 and len(read_bars(page)) == len(LABELS)
    assert Image.open(cat).size == (451, 300)
