"""lesson2.production.graph: what the ONNX file holds, read from the learner."""

import pytest

from lesson2.demo.shapes import draw_dataset
from lesson2.production.export import fastai_only
from lesson2.production.graph import ExportError, cpu_model, recipe_from
from lesson2.training.data import Upright, get_dls
from lesson2.training.learner import get_learner
from lesson2.training.plan import plan_for


def test_recipe_is_read_from_the_learner(tiny_learn):
    recipe = recipe_from(tiny_learn)
    assert recipe.method == "random_resized_crop" and recipe.size == (64, 64)
    assert recipe.interpolation == "bilinear"
    assert recipe.mean == recipe.std == (0.5, 0.5, 0.5)  # EfficientNet-Lite0's statistics


def test_a_learner_fresh_from_training_is_read_as_it_is_exported(tmp_path):
    """`lesson2 train` exports the learner in hand, whose loader also turns photos upright: the
    app's decoder does that, so the recipe is read from fastai's transforms alone."""
    draw_dataset(tmp_path, n_per_class=4, size=48)
    learn = get_learner(get_dls(tmp_path, plan_for(size=32, bs=4), num_workers=0))
    assert any(isinstance(t, Upright) for t in learn.dls.after_item.fs)
    with pytest.raises(ExportError, match="Upright"):
        recipe_from(learn)  # lesson2's own step has no Pillow version: export leaves it out
    with fastai_only(learn):
        assert recipe_from(learn).size == (32, 32)
    assert any(isinstance(t, Upright) for t in learn.dls.after_item.fs)  # put back


def test_only_softmax_classifiers_are_exported(tiny_learn):
    from fastai.losses import BCEWithLogitsLossFlat

    loss = tiny_learn.loss_func
    tiny_learn.loss_func = BCEWithLogitsLossFlat()
    try:
        with pytest.raises(ExportError, match="does not end in a softmax"):
            cpu_model(tiny_learn)
    finally:
        tiny_learn.loss_func = loss
