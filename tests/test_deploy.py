"""ONNX export (lesson2/deploy.py, `lesson2 export`): fastai's validation preprocessing rebuilt
in Pillow and NumPy, and the whole validation set answered as `learn.predict` answers it."""

import json

import numpy as np
import onnx
import pytest
from fastai.vision.all import PILImage, RandomResizedCrop, Resize, ResizeMethod
from PIL import Image

from app.model import Model
from app.preprocess import Recipe
from lesson2.cli import main as cli
from lesson2.commands.export import split_files
from lesson2.deploy import _resize_recipe, recipe_from
from lesson2.pictures import read_rgb
from lesson2.shapes import draw, draw_dataset
from lesson2.train import Upright, get_dls, get_learner, plan_for

SIZES = [(97, 61), (61, 97), (50, 50), (300, 200), (20, 33)]  # wide, tall, square, big, tiny


def fastai_valid(tfm, img):
    """What fastai's item transform makes of `img` for the validation set."""
    return tfm(PILImage.create(np.asarray(img)), split_idx=1)


@pytest.mark.parametrize(
    "tfm",
    [
        RandomResizedCrop(64, min_scale=0.5),
        RandomResizedCrop((48, 80)),
        Resize(64),  # crop
        Resize(64, method=ResizeMethod.Squish),
        Resize((40, 72), method=ResizeMethod.Pad, pad_mode="zeros"),
        Resize(64, method=ResizeMethod.Pad, pad_mode="reflection"),
        Resize(64, method=ResizeMethod.Pad, pad_mode="border"),
        Resize(64, resamples=(Image.Resampling.BICUBIC, Image.Resampling.NEAREST)),
    ],
    ids=["rrc", "rrc-rect", "crop", "squish", "pad-zeros", "pad-reflect", "pad-border", "bicubic"],
)
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_recipe_gives_fastais_pixels(tfm, size):
    img = draw("triangle", seed=3, size=max(size)).resize(size)
    recipe = Recipe(**_resize_recipe(tfm))
    ours, theirs = recipe.resize(img), fastai_valid(tfm, img)
    assert ours.size == theirs.size
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))


def test_recipe_is_read_from_the_learner(tiny_learn):
    recipe = recipe_from(tiny_learn)
    assert recipe.method == "random_resized_crop" and recipe.size == (64, 64)
    assert recipe.interpolation == "bilinear"
    assert recipe.mean == recipe.std == (0.5, 0.5, 0.5)  # EfficientNet-Lite0's statistics


def test_a_learner_fresh_from_training_is_read_too(tmp_path):
    """`lesson2 train` exports the learner in hand, whose loader also turns photos upright."""
    draw_dataset(tmp_path, n_per_class=4, size=48)
    learn = get_learner(get_dls(tmp_path, plan_for(size=32, bs=4), num_workers=0))
    assert any(isinstance(t, Upright) for t in learn.dls.after_item.fs)
    assert recipe_from(learn).size == (32, 32)


@pytest.mark.slow
def test_onnx_answers_the_whole_validation_set_like_learn_predict(tiny_learn, tiny_onnx):
    _, valid = split_files(tiny_learn.dls.path)
    model = Model.load(tiny_onnx)
    for path in valid:
        label, _, probs = tiny_learn.predict(path)
        pred = model.predict(read_rgb(path))
        assert pred.label == label
        np.testing.assert_allclose(list(pred.probs.values()), probs.numpy(), atol=1e-3)


@pytest.mark.slow
def test_the_file_carries_what_the_app_needs_compactly(tiny_onnx, tiny_model_path):
    proto = onnx.load(str(tiny_onnx))
    meta = json.loads(next(p.value for p in proto.metadata_props if p.key == "lesson2"))
    assert meta["labels"] == ["circle", "square", "triangle"]
    assert meta["preprocess"]["method"] == "random_resized_crop"
    assert meta["preprocess"]["interpolation"] == "bilinear"
    assert meta["ood"]["threshold"] > 0 and meta["ood"]["valid_flagged"] <= 0.05
    stats = [t for t in proto.graph.initializer if t.name in ("whiten", "means")]
    assert {t.data_type for t in stats} == {onnx.TensorProto.FLOAT}  # float32, not JSON
    # network plus a 1280x1280 float32 whitening matrix, nothing more
    assert tiny_onnx.stat().st_size < tiny_model_path.stat().st_size + 1280 * 1280 * 4 * 1.2


def test_export_explains_what_is_wrong(tmp_path, capsys):
    assert cli(["export", str(tmp_path / "none.pkl")]) == 2
    assert "does not exist" in capsys.readouterr().err
    page = tmp_path / "model.pkl"
    page.write_text("<html>Sign in</html>")
    assert cli(["export", str(page)]) == 2
    assert "HTML page" in capsys.readouterr().err


@pytest.mark.slow
def test_export_needs_the_pictures_when_they_moved(tiny_model_path, tmp_path, capsys):
    assert cli(["export", str(tiny_model_path), "--data", str(tmp_path / "gone")]) == 2
    assert "--data FOLDER" in capsys.readouterr().err


def test_only_softmax_classifiers_are_exported(tiny_learn):
    from fastai.losses import BCEWithLogitsLossFlat

    from lesson2.deploy import ExportError, cpu_model

    loss = tiny_learn.loss_func
    tiny_learn.loss_func = BCEWithLogitsLossFlat()
    try:
        with pytest.raises(ExportError, match="does not end in a softmax"):
            cpu_model(tiny_learn)
    finally:
        tiny_learn.loss_func = loss
