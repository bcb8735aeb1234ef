"""lesson2.production.inference against fastai's own `learn.predict`, with real model and
image files."""

import io
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from PIL import Image

from lesson2.demo.localweb import bomb_png
from lesson2.demo.shapes import draw
from lesson2.production.inference import LearnerModel, ModelFileError, load, predict, predict_batch
from lesson2_app import pictures
from lesson2_app.pictures import CorruptImage, ImageTooLarge, NotAnImage
from lesson2_app.pictures import read_rgb as open_image

WHITE = (255, 255, 255)


@pytest.fixture(scope="module")
def model(tiny_learn):
    """The tiny learner behind the calls every loaded model answers."""
    return LearnerModel(tiny_learn)


@pytest.fixture(scope="module")
def images(tiny_examples):
    return sorted(tiny_examples.glob("*/*.jpg"))


def picture(size=48):
    """An RGB picture with detail in every channel (one of the demo shapes)."""
    return draw("triangle", seed=7, size=size)


# ---- loading ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_load_gives_a_learner_on_the_cpu(tiny_model_path):
    model = load(tiny_model_path)
    assert model.vocab == ["circle", "square", "triangle"] and model.threshold is None
    tiny_learn = model.learn
    assert list(tiny_learn.dls.vocab) == ["circle", "square", "triangle"]
    assert all(p.device.type == "cpu" for p in tiny_learn.model.parameters())
    assert not tiny_learn.model.training


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"\n<!DOCTYPE html><html><body>Sign in to continue</body></html>", "HTML page"),
        (b"<html><head><title>Google Drive</title>", "download probably failed"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\n", "git lfs pull"),
        (b"GIF89a not a model at all", "not an exported fastai learner"),
    ],
)
def test_files_that_are_not_models_are_named(tmp_path, content, says):
    path = tmp_path / "export.pkl"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=says):
        load(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelFileError, match=r"does not exist.*lesson2 train"):
        load(tmp_path / "nothing.pkl")
    with pytest.raises(ModelFileError, match="is a folder"):
        load(tmp_path)


@pytest.mark.slow
def test_truncated_model_is_reported_as_damaged(tiny_model_path, tmp_path):
    path = tmp_path / "half.pkl"
    data = tiny_model_path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="damaged or cut short"):
        load(path)


def test_other_pickles_are_not_learners(tmp_path):
    path = tmp_path / "weights.pkl"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(ModelFileError, match="holds a dict"):
        load(path)


@pytest.mark.parametrize("missing", ["module", "class"])
def test_version_mismatch_names_what_is_missing_and_the_versions(tmp_path, monkeypatch, missing):
    """A pickle referring to code this installation lacks, as after a library upgrade."""
    (tmp_path / "oldlib.py").write_text("class Head:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import oldlib

    path = tmp_path / "old.pkl"
    torch.save(oldlib.Head(), path)
    if missing == "module":
        (tmp_path / "oldlib.py").unlink()
        monkeypatch.delitem(sys.modules, "oldlib")
    else:
        monkeypatch.delattr(oldlib, "Head")
    with pytest.raises(ModelFileError, match=r"other library versions: it needs oldlib\.Head") as e:
        load(path)
    assert "fastai 2." in str(e.value) and "torch 2." in str(e.value)


# ---- predicting ------------------------------------------------------------------------------


@pytest.mark.slow
def test_predictions_match_fastai_predict(tiny_learn, images, model):
    """The batched path gives fastai's own answer: same label, same probabilities."""
    for path in images[::4]:
        label, _, probs = tiny_learn.predict(path)
        pred = predict(model, path)
        assert pred.label == label
        assert list(pred.probs) == list(tiny_learn.dls.vocab)
        np.testing.assert_allclose(list(pred.probs.values()), probs.numpy(), atol=1e-5)


@pytest.mark.slow
def test_path_bytes_and_pil_image_agree(tiny_learn, images, model):
    path = images[0]
    by_path = predict(model, path)
    for source in (str(path), path.read_bytes(), Image.open(path)):
        pred = predict(model, source)
        assert pred.label == by_path.label
        np.testing.assert_allclose(list(pred.probs.values()), list(by_path.probs.values()))


@pytest.mark.slow
def test_batch_equals_one_by_one_and_probabilities_sum_to_one(tiny_learn, images, model):
    images = images[::3]
    batch = predict_batch(model, images)
    assert len(batch) == len(images)
    for path, pred in zip(images, batch, strict=True):
        alone = predict(model, path)
        assert pred.label == alone.label == max(pred.probs, key=pred.probs.get)
        np.testing.assert_allclose(list(pred.probs.values()), list(alone.probs.values()), atol=1e-5)
        assert sum(pred.probs.values()) == pytest.approx(1, abs=1e-5)
        assert pred.seconds > 0
    assert predict_batch(model, []) == []


@pytest.mark.slow
def test_learner_is_safe_to_share_between_threads(tiny_learn, images, model):
    """Batches of different sizes at once, as the app's workers run them (fastai's transforms
    keep per-batch state, which once mixed up two threads' batches)."""
    batches = [images[i : i + 1 + i % 4] for i in range(0, 24, 2)]
    serial = [[p.probs for p in predict_batch(model, b)] for b in batches]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the app does: one torch thread per worker on a small machine
    try:
        with ThreadPoolExecutor(4) as pool:
            parallel = list(pool.map(lambda b: [p.probs for p in predict_batch(model, b)], batches))
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(serial, parallel, strict=True):
        for pa, pb in zip(a, b, strict=True):
            np.testing.assert_allclose(list(pa.values()), list(pb.values()), atol=1e-5)


@pytest.mark.slow
def test_onnx_model_predicts_like_the_learner_and_says_whether_in_domain(tiny_onnx, images, model):
    onnx_model = load(tiny_onnx)
    assert onnx_model.vocab == model.vocab  # the same calls, whichever file was loaded
    preds = predict_batch(onnx_model, images[::5])
    for path, pred in zip(images[::5], preds, strict=True):
        torch_pred = predict(model, path)
        assert pred.label == torch_pred.label
        np.testing.assert_allclose(
            list(pred.probs.values()), list(torch_pred.probs.values()), atol=1e-3
        )
        assert isinstance(pred.in_domain, bool) and isinstance(pred.ood_score, float)
        assert torch_pred.in_domain is None  # a learner carries no out-of-domain statistics
    assert sum(p.in_domain for p in preds) >= 0.8 * len(preds)  # training-like pictures


def saved(img, fmt, **kwargs):
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


@pytest.mark.slow
def test_rgba_is_composited_on_white(tiny_learn, model):
    rgb = picture()
    rgba = rgb.convert("RGBA")
    alpha = Image.new("L", rgb.size, 255)
    alpha.paste(0, (0, 0, 24, 48))  # left half fully transparent
    rgba.putalpha(alpha)
    img = open_image(saved(rgba, "PNG"))
    assert img.mode == "RGB"
    assert img.getpixel((5, 5)) == WHITE
    assert img.getpixel((40, 30)) == rgb.getpixel((40, 30))
    expected = rgb.copy()
    expected.paste(WHITE, (0, 0, 24, 48))
    assert np.array_equal(np.asarray(img), np.asarray(expected))
    np.testing.assert_allclose(
        list(predict(model, saved(rgba, "PNG")).probs.values()),
        list(predict(model, expected).probs.values()),
        atol=1e-6,
    )


def test_greyscale_with_and_without_alpha():
    grey = picture().convert("L")
    img = open_image(saved(grey, "PNG"))
    assert img.mode == "RGB"
    assert np.array_equal(np.asarray(img)[..., 1], np.asarray(grey))
    la = grey.convert("LA")
    la.putalpha(Image.new("L", grey.size, 0))
    assert (np.asarray(open_image(saved(la, "PNG"))) == 255).all()


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_with_transparency(fmt):
    pal = picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    pal.paste(15, (0, 0, 10, 10))
    img = open_image(saved(pal, fmt, transparency=15))
    assert img.getpixel((3, 3)) == WHITE
    opaque = pal.convert("RGB").getpixel((40, 40))
    assert img.getpixel((40, 40)) == opaque and opaque != WHITE


def test_cmyk_jpeg_keeps_its_colours():
    rgb = Image.new("RGB", (32, 32), (200, 30, 40))
    img = open_image(saved(rgb.convert("CMYK"), "JPEG", quality=95))
    assert img.mode == "RGB"
    assert np.abs(np.asarray(img, dtype=int) - (200, 30, 40)).max() <= 6


def test_sixteen_bit_greyscale_is_scaled_not_clipped():
    grey = np.asarray(picture().convert("L"))
    sixteen = Image.fromarray(grey.astype(np.uint16) * 257)
    data = saved(sixteen, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    img = open_image(data)
    assert np.array_equal(np.asarray(img)[..., 0], grey)


def test_exif_rotation_is_applied():
    wide = Image.new("RGB", (60, 30), (0, 0, 255))
    wide.paste((255, 0, 0), (0, 0, 30, 30))  # red on the left as stored
    exif = Image.Exif()
    exif[pictures.ORIENTATION] = 6  # "rotate 90 clockwise to display"
    img = open_image(saved(wide, "JPEG", exif=exif, quality=95))
    assert img.size == (30, 60)
    r, _, b = img.getpixel((15, 10))  # red ends up on top
    assert r > 200 and b < 60


# ---- bad images --------------------------------------------------------------------------------


@pytest.mark.parametrize("side", [7_000, 10_000, 30_000])  # ours, Pillow's warning, Pillow's error
def test_decompression_bombs_are_refused(side):
    with pytest.raises(ImageTooLarge, match="pixels"):
        open_image(bomb_png(side))


def test_pixel_limit_applies_to_every_input():
    with pytest.raises(ImageTooLarge, match=r"48x48 pixels, more than the 1,000 allowed"):
        open_image(picture(), max_pixels=1_000)


def test_not_an_image_and_corrupt_image(tmp_path):
    with pytest.raises(NotAnImage, match="not an image"):
        open_image(b"%PDF-1.7 this is a document")
    jpeg = saved(picture(96), "JPEG")
    with pytest.raises(CorruptImage, match="damaged or cut short"):
        open_image(jpeg[: len(jpeg) // 2])
    with pytest.raises(FileNotFoundError, match="no image file"):
        open_image(tmp_path / "missing.jpg")
