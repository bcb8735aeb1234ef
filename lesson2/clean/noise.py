"""Does cleaning help? Random versus biased label noise, measured in seconds on cached features.

    from lesson2.clean.features import embeddings
    from lesson2.clean.noise import noise_experiment, plot_noise, verdict
    from lesson2.clean.suspects import label_features
    emb = embeddings(path)
    table = noise_experiment(label_features(emb), emb.labels)  # kind, noise, error_before, ...
    plot_noise(table)
    print(*verdict(table), sep="\\n")                 # what the numbers say, in sentences

The lesson's Q&A: cleaning usually brings small gains, unless the noise is biased. Here a fixed
fifth of the pictures, with their true labels, is the test set. In the rest, a share of the
labels is made wrong: *random* noise gives a picture any other class; *biased* noise takes
pictures of the first class only and always calls them the second (as a search engine that
mixes up two things). A logistic regression on the noisy labels gives the test error before
cleaning. Cleaning is what the notebook's person does: look at the pictures `find_suspects`'
out-of-fold margin flags (another class more likely than the label) and put the right label
back where it is wrong; a flagged picture whose label is right stays as it is. The same model
on those labels gives the error after.
"""

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from lesson2.clean.suspects import C, label_features, normalised_margin, out_of_fold_probs
from lesson2.words import count

NOISE = (0.0, 0.05, 0.1)  # shares of the training labels made wrong; with 5 classes, biased
# noise of 0.1 is half of one class
KINDS = ("random", "biased")
WITHIN = 0.03  # test-error changes up to this (7 of 260 test pictures) are within noise: on the
# demo's draws, a random 10% of wrong labels, or cleaning them, moved the error by up to 6


def corrupt(y, share, kind, n_classes, rng):
    """A copy of labels `y` with `share` of them wrong, in the way `kind` says."""
    y = y.copy()
    count = round(share * len(y))
    if kind == "random":
        idx = rng.choice(len(y), count, replace=False)
        y[idx] = (y[idx] + rng.integers(1, n_classes, count)) % n_classes
    elif kind == "biased":
        first = np.flatnonzero(y == 0)
        if count > len(first):
            raise ValueError(f"biased noise of {share} needs {count} pictures of the first class")
        idx = rng.choice(first, count, replace=False)
        y[idx] = 1  # always the same mistake
    else:
        raise ValueError(f"unknown noise {kind!r}: choose one of {', '.join(KINDS)}")
    return y


def _error(x, y, x_test, y_test):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=2000).fit(x, y)
    return float((model.predict(x_test) != y_test).mean())


def noise_experiment(vectors, labels, noise=NOISE, kinds=KINDS, seed=0):
    """Test error before and after cleaning, per kind and share of noise: a DataFrame with
    kind, noise, error_before, error_after, wrong (labels made wrong), flagged, fixed (wrong
    labels among the flagged) and test (test pictures). Noise 0 is one row, kind "none"."""
    vectors = np.asarray(vectors, np.float32)
    vocab = sorted(set(labels))
    y_true = np.array([vocab.index(label) for label in labels])
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y_true), bool)
    test[rng.choice(len(y_true), len(y_true) // 5, replace=False)] = True
    x, y, x_test, y_test = vectors[~test], y_true[~test], vectors[test], y_true[test]
    runs = [("none", 0.0)] + [(k, s) for k in kinds for s in noise if s > 0]
    rows = []
    with threadpool_limits(1):  # models this small: more BLAS threads only wait on busy cores
        for kind, share in runs:
            noisy = (
                y
                if kind == "none"
                else corrupt(y, share, kind, len(vocab), np.random.default_rng(seed))
            )
            margin, _ = normalised_margin(out_of_fold_probs(x, noisy, seed=seed), noisy)
            flagged = margin < 0
            cleaned = np.where(flagged, y, noisy)  # the person knows a circle when they see one
            rows.append(
                {
                    "kind": kind,
                    "noise": share,
                    "error_before": _error(x, noisy, x_test, y_test),
                    "error_after": _error(x, cleaned, x_test, y_test),
                    "wrong": int((noisy != y).sum()),
                    "flagged": int(flagged.sum()),
                    "fixed": int((flagged & (noisy != y)).sum()),
                    "test": int(test.sum()),
                }
            )
    table = pd.DataFrame(rows)
    table.attrs["pair"] = (vocab[0], vocab[1])  # biased noise calls the first the second
    return table


def _pictures(error, table):
    return round(error * table["test"].iloc[0])


def _change(delta, table):
    """'raised it by 7 pictures' or 'lowered it by 2 pictures, within noise'."""
    n = _pictures(abs(delta), table)
    said = f"{'raised' if delta > 0 else 'lowered'} it by {count(n, 'picture')}"
    if n == 0:
        return "left it as it was"
    return said + (", within noise" if abs(delta) <= WITHIN else "")


def effects(table):
    """{kind: (noise's change of the test error, cleaning's change)} at each kind's largest
    noise: positive when the error went up."""
    clean = table.loc[table["kind"] == "none", "error_before"].iloc[0]
    out = {}
    for kind, rows in table[table["kind"] != "none"].groupby("kind", sort=False):
        row = rows.loc[rows["noise"].idxmax()]
        out[kind] = (row["error_before"] - clean, row["error_after"] - row["error_before"])
    return out


def verdict(table):
    """Sentences that say what `table` shows, at each kind's largest noise."""
    clean = table.loc[table["kind"] == "none", "error_before"].iloc[0]
    first, second = table.attrs.get("pair", ("the first class", "the second"))
    lines = [f"right labels: test error {clean:.1%} on {table['test'].iloc[0]} test pictures"]
    for kind, (hurt, gain) in effects(table).items():
        row = table[table["kind"] == kind].sort_values("noise").iloc[-1]
        how = f", all of them {first} pictures labelled {second}" if kind == "biased" else ""
        lines.append(
            f"{kind} noise, {row['noise']:.0%} of the training labels wrong{how}: "
            f"{row['error_before']:.1%} before cleaning, {row['error_after']:.1%} after "
            f"({row['fixed']} of {row['wrong']} wrong labels flagged and fixed): the noise "
            f"{_change(hurt, table)}; cleaning {_change(gain, table)}"
        )
    return lines


def claim_holds(table):
    """Notebook 03's claim: at the largest noise, random noise and cleaning it both stay
    within noise, while biased noise raises the error and cleaning lowers it, beyond noise."""
    fx = effects(table)
    (r_hurt, r_gain), (b_hurt, b_gain) = fx["random"], fx["biased"]
    return abs(r_hurt) <= WITHIN and abs(r_gain) <= WITHIN and b_hurt > WITHIN and -b_gain > WITHIN


def plot_noise(table):
    """Test error against noise, before and after cleaning, one panel per kind of noise."""
    import matplotlib.pyplot as plt

    clean = table[table["kind"] == "none"]
    kinds = [k for k in dict.fromkeys(table["kind"]) if k != "none"]
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.5 * len(kinds), 3.2), sharey=True)
    for ax, kind in zip(np.atleast_1d(axes), kinds, strict=True):
        rows = pd.concat([clean, table[table["kind"] == kind]])
        ax.plot(rows["noise"] * 100, rows["error_before"] * 100, "o-", label="before cleaning")
        ax.plot(rows["noise"] * 100, rows["error_after"] * 100, "s--", label="after cleaning")
        ax.set(title=f"{kind} label noise", xlabel="wrong training labels (%)")
        ax.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("test error (%)")
    np.atleast_1d(axes)[0].legend()
    fig.tight_layout()
    return fig


def noise_on(path):
    """`noise_experiment` on the pretrained features of the dataset at `path`, as
    `find_suspects` reads them (`label_features`), leaving out the pictures a demo dataset knows
    it filed under a wrong class (the test set's labels must be right)."""
    from lesson2.clean.features import embeddings
    from lesson2.demo.planted import is_demo, planted_files

    emb = embeddings(path)
    planted = planted_files(path)["mislabeled"] if is_demo(path) else []
    wrong = {p.relative_to(path).as_posix() for p in planted}
    keep = [k for k, name in enumerate(emb.names) if name not in wrong]
    return noise_experiment(label_features(emb)[keep], [emb.labels[k] for k in keep])
