"""lesson2.pitfalls and train_plots: the four ways training goes wrong, on real features."""

import matplotlib
import pytest

from lesson2.pitfalls import PITFALLS, Pitfall, features, fit_head, run_pitfalls
from lesson2.shapes import draw_dataset
from lesson2.train import get_dls, get_learner, plan_for
from lesson2.train_plots import plot_pitfalls

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def feats(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes")
    draw_dataset(path, n_per_class=20, size=64)
    return features(get_learner(get_dls(path, plan_for(size=64, bs=16))))


def test_features_cover_every_picture_once(feats):
    x, y = feats["train"]
    vx, vy = feats["valid"]
    assert (len(y), len(vy)) == (48, 12)
    assert x.shape[1] == vx.shape[1] == 2 * 1280  # max and mean pooled, like fastai's head
    assert feats["c"] == 3


@pytest.mark.slow
def test_the_pitfalls_show_in_the_losses(feats):
    h = run_pitfalls(feats)
    assert set(h) == set(PITFALLS)
    right, high, low = h["about right"], h["lr too high"], h["lr too low"]
    assert max(high.train) > 10 * max(right.train)  # explodes
    assert right.train[-1] < 0.5 * right.train[0]  # learns
    assert abs(low.train[-1] - low.train[0]) < 0.5 * (right.train[0] - right.train[-1])
    assert len(h["too few epochs"].train) == 1
    many = h["too many epochs"]
    assert many.train[-1] < 0.05  # memorized its 12 pictures
    assert many.valid[-1] > 1.2 * min(many.valid)  # while validation got worse: overfitting
    fig = plot_pitfalls(h)
    assert len(fig.axes) == len(PITFALLS)
    assert fig.axes[0].get_yscale() == "log"


def test_fit_head_uses_the_requested_subset(feats):
    history = fit_head(feats, Pitfall(lr=1e-3, epochs=2, n_train=9))
    assert len(history.train) == len(history.valid) == 2
