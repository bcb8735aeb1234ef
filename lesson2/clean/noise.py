"""Does cleaning help? Random versus biased label noise, measured in seconds on cached features.

    from lesson2.clean.features import embeddings
    from lesson2.clean.noise import noise_experiment, plot_noise
    emb = embeddings(path)
    table = noise_experiment(emb.vectors, emb.labels)   # kind, noise, error_before, error_after
    plot_noise(table)

The lesson's Q&A: cleaning usually brings small gains, unless the noise is biased. Here a fixed
fifth of the pictures, with their true labels, is the test set. In the rest, a share of the
labels is made wrong: *random* noise gives a picture any other class; *biased* noise takes
pictures of one class only and always calls them the next class (as a search engine that mixes
up two things). A logistic regression on the noisy labels gives the error before cleaning; the
same model after dropping the pictures `find_suspects`' out-of-fold margin flags gives the error
after.
"""

import numpy as np
import pandas as pd

from lesson2.clean.suspects import C, normalised_margin, out_of_fold_probs

NOISE = (0.0, 0.05, 0.1, 0.2)  # shares of the training labels made wrong
KINDS = ("random", "biased")


def corrupt(y, share, kind, n_classes, rng):
    """A copy of labels `y` with `share` of them wrong, in the way `kind` says."""
    y = y.copy()
    count = round(share * len(y))
    if kind == "random":
        idx = rng.choice(len(y), count, replace=False)
        y[idx] = (y[idx] + rng.integers(1, n_classes, count)) % n_classes
    elif kind == "biased":
        first = np.flatnonzero(y == 0)
        idx = rng.choice(first, min(count, len(first)), replace=False)
        y[idx] = 1  # always the same mistake
    else:
        raise ValueError(f"unknown noise {kind!r}: choose one of {', '.join(KINDS)}")
    return y


def _error(x, y, x_test, y_test):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=2000).fit(x, y)
    return float((model.predict(x_test) != y_test).mean())


def noise_experiment(vectors, labels, noise=NOISE, kinds=KINDS, seed=0):
    """Test error before and after cleaning, per kind and share of noise: a DataFrame."""
    vocab = sorted(set(labels))
    y_true = np.array([vocab.index(label) for label in labels])
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y_true), bool)
    test[rng.choice(len(y_true), len(y_true) // 5, replace=False)] = True
    x, y, x_test, y_test = vectors[~test], y_true[~test], vectors[test], y_true[test]
    rows = []
    for kind in kinds:
        for share in noise:
            noisy = corrupt(y, share, kind, len(vocab), np.random.default_rng(seed))
            margin, _ = normalised_margin(out_of_fold_probs(x, noisy, seed=seed), noisy)
            keep = margin >= 0  # drop what another class explains better than the label
            rows.append(
                {
                    "kind": kind,
                    "noise": share,
                    "error_before": _error(x, noisy, x_test, y_test),
                    "error_after": _error(x[keep], noisy[keep], x_test, y_test),
                    "dropped": int((~keep).sum()),
                }
            )
    return pd.DataFrame(rows)


def plot_noise(table):
    """Test error against noise, before and after cleaning, one panel per kind of noise."""
    import matplotlib.pyplot as plt

    kinds = list(dict.fromkeys(table["kind"]))
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.5 * len(kinds), 3.2), sharey=True)
    for ax, kind in zip(np.atleast_1d(axes), kinds, strict=True):
        rows = table[table["kind"] == kind]
        ax.plot(rows["noise"] * 100, rows["error_before"] * 100, "o-", label="before cleaning")
        ax.plot(rows["noise"] * 100, rows["error_after"] * 100, "s--", label="after cleaning")
        ax.set(title=f"{kind} label noise", xlabel="wrong training labels (%)")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("test error (%)")
    np.atleast_1d(axes)[0].legend()
    fig.tight_layout()
    return fig
