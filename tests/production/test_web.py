"""lesson2.production.web: the static site, served by a plain static file server and driven in a
real headless Chromium, against `lesson2 predict` and the server app's Model on the same file."""

import base64
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import onnx
import pytest
from PIL import Image

from lesson2.cli import main as cli
from lesson2.demo.outsiders import real_photos
from lesson2.production import web
from lesson2.production.export import ExportError
from lesson2.production.launch import static_in_background
from lesson2.production.runtime import LICENSE_TEXT, VERSION
from lesson2.production.web import MANIFEST, check_dest, export_web
from lesson2.training.data import split_files
from lesson2_app.model import Model
from lesson2_app.pictures import read_rgb
from lesson2_app.preprocess import METHODS, PAD_MODES, Recipe

STATIC = Path(__file__).resolve().parents[2] / "app" / "lesson2_app" / "static"
LABELS = ["circle", "square", "triangle"]
MAX_PAGE_BYTES = 25 * 2**20  # the budget for everything the page loads
PROB_TOLERANCE = 1e-2  # the page against `lesson2 predict` on the same .onnx file

CLASSIFY = """async (pictures) => {
  const answers = [];
  for (const b64 of pictures) {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    answers.push(await window.lesson2.classify(new Blob([bytes])));
  }
  return answers;
}"""
PREPROCESS = """async ([b64, recipes]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const out = [];
  for (const recipe of recipes) {
    out.push(Array.from(await window.lesson2.preprocess(new Blob([bytes]), recipe)));
  }
  return out;
}"""


def b64(data):
    return base64.b64encode(data).decode()


def png(img):
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def site(tiny_model_path, tmp_path_factory):
    """The tiny learner as `lesson2 export --web` writes it."""
    return export_web(tiny_model_path, tmp_path_factory.mktemp("web") / "site")


@pytest.fixture(scope="module")
def valid_files(tiny_examples):
    return split_files(tiny_examples)[1]


@pytest.fixture(scope="module")
def demo_files(tiny_examples):
    """Every picture the tiny model knows: drawn the demo's way, JPEG."""
    return sorted(tiny_examples.glob("*/*.jpg"))


@pytest.fixture(scope="module")
def url(site):
    with static_in_background(site) as url:
        yield url


@pytest.fixture
def page_at(page, url):
    """The page, loaded and ready to answer; `page.requests` lists every URL it asked for."""
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(url)
    page.evaluate("() => window.lesson2.ready")
    return page


# ---- the folder ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_folder_holds_the_page_the_model_and_the_runtime_only(site):
    manifest = json.loads((site / MANIFEST).read_text())
    found = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert found == manifest["files"]
    assert {"index.html", "web.js", "preprocess.js", "page.js", "style.css", "model.onnx"} <= set(
        found
    )
    assert sorted(f for f in found if f.startswith("ort/")) == [
        "ort/LICENSE.txt",
        "ort/README.txt",
        "ort/ort-wasm-simd-threaded.wasm",
        "ort/ort.wasm.bundle.min.js",
    ]
    assert (site / "ort" / "LICENSE.txt").read_text() == LICENSE_TEXT
    assert f"onnxruntime-web {VERSION}" in (site / "ort" / "README.txt").read_text()
    assert manifest["runtime"] == {"name": "onnxruntime-web", "version": VERSION, "license": "MIT"}
    for shared in ("page.js", "style.css"):  # one look for both deployments
        assert (site / shared).read_bytes() == (STATIC / shared).read_bytes()
    assert (site / "index.html").read_text() == web.site_index()
    model = Model.load(site / "model.onnx")
    assert model.meta == manifest["lesson2"] and model.vocab == LABELS
    ops = {n.op_type for n in onnx.load(str(site / "model.onnx")).graph.node}
    assert "DequantizeLinear" in ops  # int8 weights
    shown = [e["label"] for e in manifest["examples"]]
    assert set(shown) == set(LABELS) and max(map(shown.count, LABELS)) <= 3  # validation pictures
    assert all((site / e["url"]).is_file() for e in manifest["examples"])
    for text in ("index.html", "web.js", "preprocess.js", "page.js", "style.css"):
        assert "://" not in (site / text).read_text().replace("http://127.0.0.1:8000", "")


@pytest.mark.slow
def test_the_shrunk_network_answers_like_the_float_one(site, tiny_onnx, valid_files):
    imgs = [read_rgb(f) for f in valid_files]
    small, full = Model.load(site / "model.onnx"), Model.load(tiny_onnx)
    a, b = small.predict_batch(imgs), full.predict_batch(imgs)
    diff = max(abs(p.probs[k] - q.probs[k]) for p, q in zip(a, b, strict=True) for k in LABELS)
    print(f"int8 against float32, {len(imgs)} validation pictures: max prob diff {diff:.4f}")
    changed = sum(p.label != q.label for p, q in zip(a, b, strict=True))
    assert changed <= 1  # a shift of hundredths flips only a picture float32 nearly tied
    assert diff < 0.1  # int8 weights move a probability by hundredths (RESULTS.md: 0.035-0.11)
    assert (site / "model.onnx").stat().st_size < tiny_onnx.stat().st_size / 3
    flagged = np.mean([not p.in_domain for p in a])
    assert flagged <= 0.05  # the threshold was set on the shrunk network's own scores


def test_the_site_page_is_the_app_page_in_its_own_frame():
    """One markup for the page's elements (page.js reads them in both): the app's, with the
    site's head, footer and first status line."""
    app = (STATIC / "index.html").read_text()
    page = app[app.index('<section class="grid">') : app.index("</section>")]
    site = web.site_index()
    assert page.replace(web.APP_STATUS, web.SITE_STATUS) in site
    assert site.count('id="status"') == 1 and "Loading the model…" in site
    assert "Content-Security-Policy" in site and "/api/predict" not in site
    assert "shared:" not in site.split("<body>")[1]  # no markers left in the page


def test_a_folder_it_did_not_write_is_refused(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(ExportError, match="not empty and was not written by"):
        check_dest(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="is a file"):
        check_dest(tmp_path / "file")
    assert check_dest(tmp_path / "new" / "site") == tmp_path / "new" / "site"


@pytest.mark.slow
def test_a_site_is_replaced_whole_and_never_half_written(tiny_onnx, tmp_path, monkeypatch):
    dest = tmp_path / "site"
    export_web(tiny_onnx, dest, quantize=False)
    before = (dest / "model.onnx").read_bytes()
    assert json.loads((dest / MANIFEST).read_text())["examples"] == []  # no pictures given

    def broken(*args):
        (args[1] / "index.html").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(web, "_write", broken)
    with pytest.raises(OSError, match="disk full"):
        export_web(tiny_onnx, dest, quantize=False)
    assert (dest / "model.onnx").read_bytes() == before and (dest / "index.html").read_text() != (
        "half"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temp folder left over
    monkeypatch.undo()
    export_web(tiny_onnx, dest, quantize=False)  # its own site: replaced
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_web(tiny_onnx, dest, quantize=False)


@pytest.mark.slow
def test_an_onnx_file_needs_its_pictures_to_be_shrunk(tiny_onnx, tmp_path):
    with pytest.raises(ExportError, match="--data FOLDER"):
        export_web(tiny_onnx, tmp_path / "site")
    assert not (tmp_path / "site").exists()


@pytest.mark.slow
def test_a_resampling_the_page_cannot_redo_is_refused(tiny_onnx, tmp_path):
    proto = onnx.load(str(tiny_onnx))
    entry = next(p for p in proto.metadata_props if p.key == "lesson2")
    meta = json.loads(entry.value)
    meta["preprocess"]["interpolation"] = "nearest"
    entry.value = json.dumps(meta)
    onnx.save(proto, str(tmp_path / "nearest.onnx"))
    with pytest.raises(ExportError, match="'nearest'"):
        export_web(tmp_path / "nearest.onnx", tmp_path / "site", quantize=False)


# ---- in the browser --------------------------------------------------------------------------


def predict_json(model, files):
    """`lesson2 predict MODEL FILES --json`, parsed."""
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["predict", str(model), *map(str, files), "--json"]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_answers_like_lesson2_predict_on_the_same_file(page_at, site, demo_files):
    expected = predict_json(site / "model.onnx", demo_files)
    answers = page_at.evaluate(CLASSIFY, [b64(f.read_bytes()) for f in demo_files])
    worst = 0.0
    for f, got, want in zip(demo_files, answers, expected, strict=True):
        assert got["label"] == want["label"], f
        assert got["in_domain"] == want["in_domain"], f
        assert got["ood_score"] == pytest.approx(want["ood_score"], rel=1e-3)
        worst = max(worst, *(abs(got["probs"][k] - want["probs"][k]) for k in LABELS))
    print(f"page against lesson2 predict, {len(demo_files)} pictures: max prob diff {worst:.2e}")
    assert worst <= PROB_TOLERANCE


@pytest.mark.browser
@pytest.mark.slow
def test_real_photos_are_out_of_domain_as_in_the_server_app(page_at, site):
    photos = real_photos()
    app_model = Model.load(site / "model.onnx")  # what `lesson2 serve` runs on this file
    answers = page_at.evaluate(CLASSIFY, [b64(png(img)) for img in photos.values()])
    for (name, img), got in zip(photos.items(), answers, strict=True):
        want = app_model.predict(img)
        assert got["in_domain"] == want.in_domain, name
        assert got["ood_score"] == pytest.approx(want.ood_score, rel=1e-3), name
    assert not any(a["in_domain"] for a in answers[:2])  # the astronaut and the cat


def recipes():
    """Every resize method and pad mode, every filter, square and not, shrinking and growing."""
    found = [
        Recipe(size=(48, 32), method=m, pad_mode=p, interpolation="bilinear")
        for m in METHODS
        for p in PAD_MODES
    ]
    found += [
        Recipe(size=size, method=m, interpolation=f)
        for size in ((64, 64), (40, 72))
        for m in ("squish", "random_resized_crop", "crop")
        for f in ("box", "bilinear", "hamming", "bicubic", "lanczos")
    ]
    found += [Recipe(size=(64, 64), method="random_resized_crop", val_xtra=0.0)]  # lesson2's
    return found


@pytest.mark.browser
@pytest.mark.slow
def test_the_preprocessing_is_pillows_to_the_bit(page_at):
    rng = np.random.default_rng(0)
    pictures = [  # noise is the hardest case for a resampler
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)) for w, h in ((93, 57),)
    ]
    pictures.append(Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)))  # grows
    all_recipes = recipes()
    for img in pictures:
        got = page_at.evaluate(PREPROCESS, [b64(png(img)), [r.to_dict() for r in all_recipes]])
        for recipe, x in zip(all_recipes, got, strict=True):
            want = recipe.array(img)
            assert np.array_equal(np.array(x, dtype=np.float32).reshape(want.shape), want), recipe


@pytest.mark.browser
@pytest.mark.slow
def test_where_the_browser_decodes_differently_and_by_how_much(page_at, site, demo_files):
    recipe = Recipe.from_dict(json.loads((site / MANIFEST).read_text())["lesson2"]["preprocess"])
    std = np.array(recipe.std, dtype=np.float32)[:, None, None]
    levels = 0.0  # in 0..255 pixel levels, after resizing
    for f in demo_files:  # JPEG: the browser's decoder against Pillow's
        (x,) = page_at.evaluate(PREPROCESS, [b64(f.read_bytes()), [recipe.to_dict()]])
        want = recipe.array(read_rgb(f))
        levels = max(levels, float((np.abs(np.reshape(x, want.shape) - want) * std * 255).max()))
    print(f"JPEG, {len(demo_files)} pictures: at most {levels:.2f} levels of 255 apart")
    assert levels <= 2.01
    alpha = np.zeros((40, 60, 4), dtype=np.uint8)  # transparency on white: canvas against Pillow
    alpha[..., :3] = np.random.default_rng(1).integers(0, 256, (40, 60, 3))
    alpha[..., 3] = np.linspace(0, 255, 60, dtype=np.uint8)[None, :]
    img = Image.fromarray(alpha, "RGBA")
    square = Recipe(size=(60, 40), method="squish")  # the same size: no resampling at all
    (x,) = page_at.evaluate(PREPROCESS, [b64(png(img)), [square.to_dict()]])
    want = square.array(read_rgb(png(img)))
    blend = float((np.abs(np.reshape(x, want.shape) - want) * 0.229 * 255).max())
    print(f"semi-transparent pixels on white: at most {blend:.2f} levels apart")
    assert blend <= 1.01


def read_bars(page):
    """{class: percent} as the page shows it."""
    bars = {}
    for li in page.locator("#bars li").all():
        pct = li.locator(".pct").inner_text()
        assert re.fullmatch(r"\d+\.\d%", pct), pct
        bars[li.locator(".name").inner_text()] = float(pct[:-1])
    return bars


@pytest.mark.browser
@pytest.mark.slow
def test_a_person_picks_pictures_and_nothing_leaves_the_origin(
    page_at, url, site, valid_files, tmp_path, pictures
):
    path = valid_files[-1]
    (want,) = predict_json(site / "model.onnx", [path])
    page_at.set_input_files("#file", path)
    page_at.locator("#label").wait_for(state="visible", timeout=30_000)
    assert page_at.locator("#label").inner_text().lower() == want["label"]
    for name, pct in read_bars(page_at).items():
        assert pct == pytest.approx(100 * want["probs"][name], abs=0.051 + 100 * PROB_TOLERANCE)
    assert re.fullmatch(r"answered in \d+ ms", page_at.locator("#timing").inner_text())
    assert VERSION in page_at.locator("footer").inner_text()
    page_at.screenshot(path=str(pictures / "web.png"), full_page=True)

    cat = tmp_path / "chelsea.png"
    real_photos(["chelsea"])["chelsea"].save(cat)
    page_at.set_input_files("#file", cat)
    page_at.locator("#result.unknown").wait_for(timeout=30_000)
    assert page_at.locator("#status").inner_text() == (
        "This does not look like any of: circle, square, triangle."
    )
    page_at.locator("#examples button").nth(4).click()
    page_at.locator("#label").wait_for(state="visible", timeout=30_000)

    page_at.set_input_files(
        "#file",
        files=[{"name": "holiday.png", "mimeType": "image/png", "buffer": b"not a picture"}],
    )
    status = page_at.locator("#status.error")
    status.wait_for(timeout=30_000)
    assert "not an image" in status.inner_text() and "JPEG" in status.inner_text()
    assert page_at.locator("#label").is_hidden()

    local = (url, f"blob:{url.rstrip('/')}", "data:")  # its own files, the pictures picked
    elsewhere = [u for u in page_at.requests if not u.startswith(local)]
    assert not elsewhere, elsewhere
    loaded = page_at.evaluate(
        """() => [...performance.getEntriesByType("navigation"),
                  ...performance.getEntriesByType("resource")]
                 .reduce((sum, e) => sum + e.encodedBodySize, 0)"""
    )
    print(f"the page loaded {loaded / 2**20:.1f} MB")
    assert loaded <= MAX_PAGE_BYTES
