"""The noise experiment of notebook 03: random noise hardly hurts, biased noise does."""

import numpy as np
import pytest

from lesson2.clean.noise import corrupt, noise_experiment


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


def clusters(n=150, d=32, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, d))
    y = np.repeat([0, 1, 2], n)
    x = centres[y] + 0.9 * rng.normal(size=(3 * n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), [str(k) for k in y]


def test_random_noise_hardly_hurts_and_biased_noise_does():
    x, labels = clusters()
    table = noise_experiment(x, labels).set_index(["kind", "noise"])
    clean = table.loc[("random", 0.0), "error_before"]
    assert table.loc[("random", 0.2), "error_before"] <= clean + 0.03
    assert table.loc[("biased", 0.2), "error_before"] >= clean + 0.1
    assert (table["dropped"] >= 0).all() and len(table) == 8


@pytest.mark.slow
def test_the_notebooks_claim_holds_on_the_demo_pictures(tmp_path, monkeypatch):
    """Notebook 03's caption: flat under random noise, a jump under 20% biased noise."""
    monkeypatch.setenv("LESSON2_DATA", str(tmp_path))
    from lesson2.clean.features import embeddings
    from lesson2.demo.build import build_demo_dataset

    emb = embeddings(build_demo_dataset(progress=False))
    table = noise_experiment(emb.vectors, emb.labels).set_index(["kind", "noise"])
    clean = table.loc[("random", 0.0), "error_before"]
    assert table.loc[("random", 0.2), "error_before"] <= clean + 0.03
    assert table.loc[("biased", 0.2), "error_before"] >= clean + 0.1
    assert table.loc[("biased", 0.2), "error_after"] >= clean + 0.1  # cleaning does not undo it
