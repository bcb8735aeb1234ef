"""The noise experiment of notebook 03: random noise hardly hurts, biased noise does, and
cleaning pays only for the latter."""

import numpy as np
import pandas as pd
import pytest

from lesson2.clean.noise import claim_holds, corrupt, effects, noise_experiment, verdict


def test_corrupt_makes_the_asked_share_wrong_in_the_asked_way():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 100)
    random = corrupt(y, 0.1, "random", 3, rng)
    assert (random != y).sum() == 30
    biased = corrupt(y, 0.2, "biased", 3, rng)
    wrong = biased != y
    assert wrong.sum() == 60 and set(y[wrong]) == {0} and set(biased[wrong]) == {1}
    with pytest.raises(ValueError, match="unknown noise"):
        corrupt(y, 0.1, "odd", 3, rng)
    with pytest.raises(ValueError, match="needs 120 pictures of the first class"):
        corrupt(y, 0.4, "biased", 3, rng)


def clusters(n=150, d=32, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(5, d))
    y = np.repeat(np.arange(5), n)
    x = centres[y] + 1.2 * rng.normal(size=(5 * n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), [str(k) for k in y]


def test_random_noise_hardly_hurts_biased_noise_does_and_cleaning_undoes_it():
    x, labels = clusters()
    table = noise_experiment(x, labels)
    assert list(table["kind"]) == ["none", "random", "random", "biased", "biased"]
    assert (table["fixed"] <= table["wrong"]).all() and (table["fixed"] <= table["flagged"]).all()
    clean = table.iloc[0]
    assert clean["error_before"] == clean["error_after"]  # nothing wrong: nothing to fix
    assert claim_holds(table)


def test_the_verdict_says_what_the_numbers_show():
    table = pd.DataFrame(
        {
            "kind": ["none", "random", "biased"],
            "noise": [0.0, 0.1, 0.1],
            "error_before": [0.10, 0.104, 0.20],
            "error_after": [0.10, 0.10, 0.12],
            "wrong": [0, 100, 100],
            "flagged": [90, 180, 150],
            "fixed": [0, 95, 60],
            "test": [250, 250, 250],
        }
    )
    table.attrs["pair"] = ("circle", "hexagon")
    assert effects(table)["biased"] == pytest.approx((0.10, -0.08))
    lines = verdict(table)
    assert lines[0] == "right labels: test error 10.0% on 250 test pictures"
    assert "raised it by 1 picture, within noise; cleaning lowered it by 1 picture" in lines[1]
    assert "circle pictures labelled hexagon" in lines[2]
    assert "the noise raised it by 25 pictures; cleaning lowered it by 20 pictures" in lines[2]
    assert claim_holds(table)
    table.loc[2, "error_after"] = 0.19  # cleaning no longer pays
    assert not claim_holds(table)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_notebooks_claim_holds_on_three_draws_of_the_demo(tmp_path, seed):
    """Notebook 03's claim, on the demo drawn with three seeds (benchmarks/bench_noise.py
    prints the tables)."""
    from lesson2.clean.noise import noise_on
    from lesson2.demo.build import build_demo_dataset

    table = noise_on(build_demo_dataset(tmp_path / "shapes", seed=seed, progress=False))
    assert claim_holds(table), "\n".join(verdict(table))
