"""lesson2.training.features: the body's activations pooled to one vector a picture."""

import torch

from lesson2.demo.shapes import CLASSES, draw_dataset
from lesson2.training.data import get_dls
from lesson2.training.features import body_features, pooled, precompute
from lesson2.training.learner import get_learner
from lesson2.training.plan import plan_for


class Body(torch.nn.Module):
    """A 'body' whose activation map is the input itself."""

    def forward(self, x):
        return x


def test_pooled_is_the_average_and_concat_adds_the_max():
    x = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
    assert torch.equal(pooled(Body(), x), x.mean((2, 3)))
    assert torch.equal(
        pooled(Body(), x, concat=True), torch.cat([x.amax((2, 3)), x.mean((2, 3))], 1)
    )
    flat = torch.ones(2, 5)
    assert pooled(Body(), flat) is flat  # a body that pools itself


def test_body_features_cover_a_loader_without_gradients(learn):
    x, y = body_features(learn, learn.dls.valid)
    assert x.shape == (len(learn.dls.valid_ds), 1280) and not x.requires_grad
    assert torch.equal(y, torch.tensor([int(t) for _, t in learn.dls.valid_ds]))
    assert not learn.model.training
    both, _ = body_features(learn, learn.dls.valid, concat=True)
    assert both.shape[1] == 2560 and torch.allclose(both[:, 1280:], x)


def test_precompute_covers_every_picture_once(tmp_path):
    draw_dataset(tmp_path, n_per_class=20, size=48)
    feats = precompute(get_learner(get_dls(tmp_path, plan_for(size=48, bs=16))))
    x, y = feats["train"]
    vx, vy = feats["valid"]
    total = 20 * len(CLASSES)
    assert (len(y), len(vy)) == (total * 4 // 5, total // 5)
    assert x.shape[1] == vx.shape[1] == 2 * 1280  # max and mean pooled, like fastai's head
    assert feats["c"] == len(CLASSES)


def test_precompute_leaves_out_excluded_validation_files(tmp_path):
    draw_dataset(tmp_path, n_per_class=8, size=48)
    learn = get_learner(get_dls(tmp_path, plan_for(size=48, bs=8)))
    left_out = learn.dls.valid.items[:2]
    feats = precompute(learn, exclude=left_out)
    assert len(feats["valid"][1]) == len(learn.dls.valid.items) - 2
    assert len(feats["train"][1]) == len(learn.dls.train.items)  # training set untouched
