"""lesson2.training.pitfalls: the ways training goes wrong, on real features."""

from dataclasses import replace

import matplotlib
import pytest

from lesson2.demo.build import build_demo_dataset
from lesson2.demo.planted import planted_files
from lesson2.demo.shapes import draw_dataset
from lesson2.training.data import get_dls
from lesson2.training.features import precompute
from lesson2.training.learner import get_learner
from lesson2.training.pitfalls import (
    PITFALLS,
    Pitfall,
    claims,
    findings,
    fit_head,
    run_pitfalls,
)
from lesson2.training.plan import plan_for

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def feats(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes")
    draw_dataset(path, n_per_class=20, size=64)
    return precompute(get_learner(get_dls(path, plan_for(size=64, bs=16))))


@pytest.fixture(scope="module")
def demo_histories(tmp_path_factory):
    """The pitfalls exactly as notebook 02 runs them: the demo shapes, the CPU plan, the
    clean validation pictures."""
    path = build_demo_dataset(tmp_path_factory.mktemp("demo") / "shapes", progress=False)
    dls = get_dls(path, plan_for("cpu"), device="cpu")
    planted = planted_files(path)["mislabeled"]
    return run_pitfalls(precompute(get_learner(dls), exclude=planted))


def test_fit_head_records_every_step(feats):
    history = fit_head(feats, Pitfall(lr=1e-3, epochs=2, n_train=9), bs=4)
    steps = 2 * 2  # 9 pictures in batches of 4, the last partial batch dropped: 2 an epoch
    assert history.epoch[0] == 0 and history.epoch[-1] == 2
    assert len(history.epoch) == len(history.train_loss) == len(history.valid_error) == steps + 1
    assert all(0 <= e <= 1 for e in history.train_error + history.valid_error)


@pytest.mark.slow
def test_the_notebook_claims_hold_on_the_demo(demo_histories):
    shown = claims(demo_histories)
    assert [claim for claim, holds in shown.items() if not holds] == []
    assert all(any(c.startswith(name) for c in shown) for name in PITFALLS)  # each has one


@pytest.mark.slow
def test_findings_say_each_pitfall_with_its_numbers(demo_histories):
    said = findings(demo_histories)
    assert [line.split(":")[0] for line in said] == list(PITFALLS)
    right = f"{demo_histories['about right'].valid_error[-1]:.0%}"
    assert right in said[0] and right in said[1]  # too high is compared with about right


@pytest.mark.slow
def test_claims_can_fail(demo_histories):
    right = demo_histories["about right"]
    lowest = min(right.valid_error)
    climbed = replace(right, valid_error=[*right.valid_error[:-1], lowest + 0.06])  # overfitted
    swapped = {**demo_histories, "about right": climbed}
    assert not claims(swapped)["about right: valid error rate ends within 5 points of its lowest"]
    swapped = {**demo_histories, "too few epochs": demo_histories["about right"]}
    assert not claims(swapped)["too few epochs: train loss ends 2x above about right, like too low"]
    swapped = {**demo_histories, "lr too high": demo_histories["about right"]}
    assert not claims(swapped)["lr too high: valid error rate ends 10 points above about right"]
