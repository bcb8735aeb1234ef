"""Ranks the pictures whose label the rest of the dataset disagrees with, most suspect first.

    from lesson2.clean.suspects import find_suspects
    table = find_suspects(path)          # no trained model needed; seconds on a CPU
    table.head(10)                       # name, label, suggested, score, reason

Every picture is scored by a model that never saw its label (out-of-fold): the pictures' pooled
features (`lesson2.clean.features`) are split into `folds` parts, a logistic regression is
fitted on all parts but one and predicts the one left out. A model that has memorised a mislabel
cannot hide it this way, as a learner's own training loss does.

The rank is the normalised margin, p(label) - max p(other class): below zero, another class is
more likely than the label. `score` maps it to 0..1 (1: surely mislabelled). A picture is also
marked as a confident-learning issue when another class's probability reaches that class's
threshold, the mean probability its own pictures get (Northcutt et al., 2021).

    from lesson2.clean.suspects import image_losses, rank
    rank(image_losses(learn, path), "loss")   # the lesson's way: a learner's own losses
"""

from pathlib import Path

import numpy as np
import pandas as pd

from lesson2.clean.features import embeddings, unit_rows
from lesson2.dataset.folders import check_dataset
from lesson2.dataset.gallery import show_files

FOLDS = 5  # out-of-fold parts: each model sees 80% of the labels
LEARNER_DEFAULT = "both"  # with a trained learner: measured in benchmarks/bench_own_data.py
C = 1.0  # inverse regularisation: on unit-length features, strong enough not to fit wrong labels
COLUMNS = ["name", "label", "suggested", "score", "reason"]


def out_of_fold_probs(x, y, folds=FOLDS, seed=0):
    """(n, classes) probabilities, each row from a model fitted without that row's label."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(y)
    if len(counts) < 2 or counts.min() < 2:
        raise ValueError(
            "scoring needs at least two classes with two pictures each "
            f"(found {len(counts)} classes, the smallest with {counts.min()}): add pictures"
        )
    folds = min(folds, int(counts.min()))
    probs = np.zeros((len(y), len(counts)))
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y)
    for train, held_out in splits:
        model = LogisticRegression(C=C, max_iter=2000)
        model.fit(x[train], y[train])
        probs[held_out] = model.predict_proba(x[held_out])
    return probs


def normalised_margin(probs, y):
    """p(label) - the largest other probability, per row: negative when another class wins."""
    own = probs[np.arange(len(y)), y]
    others = probs.copy()
    others[np.arange(len(y)), y] = -1
    return own - others.max(axis=1), others.argmax(axis=1)


def confident_issues(probs, y):
    """Rows where another class's probability reaches that class's own mean (its threshold)."""
    thresholds = np.array([probs[y == k, k].mean() for k in range(probs.shape[1])])
    above = probs >= thresholds
    above[np.arange(len(y)), y] = False
    return above.any(axis=1)


def suspects_table(names, labels, vocab, probs):
    """The suspects DataFrame from out-of-fold `probs`, most suspect first."""
    y = np.array([vocab.index(label) for label in labels])
    margin, rival = normalised_margin(probs, y)
    issues = confident_issues(probs, y)
    own = probs[np.arange(len(y)), y]
    reasons = [
        _reason(vocab[y[k]], own[k], vocab[rival[k]], probs[k, rival[k]], issues[k])
        for k in range(len(y))
    ]
    table = pd.DataFrame(
        {
            "name": names,
            "label": labels,
            "suggested": [
                vocab[r] if m < 0 else vocab[t] for r, m, t in zip(rival, margin, y, strict=True)
            ],
            "score": ((1 - margin) / 2).round(4),
            "reason": reasons,
        }
    )
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _reason(label, p_label, rival, p_rival, issue):
    if p_rival > p_label:
        return f"looks like {rival} ({p_rival:.0%}), not {label} ({p_label:.0%})"
    if issue:
        return f"could be {rival} ({p_rival:.0%}); {label} {p_label:.0%}"
    return f"{label} ({p_label:.0%})"


FEATURES = ("pretrained", "learner", "both")  # what find_suspects' classifier reads


def label_features(emb):
    """What the suspects' classifier reads of each picture of `emb` (an `Embeddings`): its
    features, and how they differ from its mirror image's, scaled to unit length (float32).

    Average pooling barely tells a picture from its mirror image, so on pooled features alone a
    b labelled d looks right; the difference tells them apart, and is small where mirroring
    changes nothing. Tuned on digits and arrows, confirmed on held-out data
    (benchmarks/bench_own_data.py, RESULTS.md)."""
    plain = emb.plain.astype(np.float32)
    return unit_rows(np.hstack([plain, plain - emb.mirrored.astype(np.float32)]))


def features_for(path, learn=None, features=None, progress=False):
    """(names, labels, features (n, d) float32, what they come from) for `find_suspects`.

    "pretrained": the pretrained body's; "learner": the trained learner's body's; "both": the
    two side by side. Default: "both" when a learner is given (see LEARNER_DEFAULT), else
    "pretrained". Each body's part is `label_features`: a mirror image can be another class."""
    features = features or (LEARNER_DEFAULT if learn is not None else "pretrained")
    if features not in FEATURES or (features != "pretrained" and learn is None):
        needs = "" if features in FEATURES else f" (one of {', '.join(FEATURES)})"
        raise ValueError(f"features={features!r} needs a trained learner (learn=...){needs}")
    parts = []
    if features in ("pretrained", "both"):
        parts.append(embeddings(path, progress=progress))
    if features in ("learner", "both"):
        parts.append(embeddings(path, learn, progress=progress))
    x = np.concatenate([label_features(p) for p in parts], axis=1) / np.sqrt(len(parts))
    source = " and ".join(p.source for p in parts)
    return parts[0].names, parts[0].labels, x, source


def exported_learner(path):
    """The .pkl exported for the dataset at `path`, if there is one: beside the folder
    (path.pkl) or where `lesson2 train` writes it (data_dir()/models/<folder name>.pkl)."""
    from lesson2.workspace import data_dir

    path = Path(path).expanduser().resolve()
    for pkl in (path.with_suffix(".pkl"), data_dir() / "models" / f"{path.name}.pkl"):
        if pkl.is_file():
            return pkl
    return None


def find_suspects(path, learn=None, folds=FOLDS, seed=0, progress=False, features=None):
    """Every picture of the dataset at `path`, the likeliest mislabels first (see module doc).

    With a trained `learn`, its body's features join the pretrained ones (`features_for`);
    `table.attrs["features"]` says which were used."""
    check_dataset(path)  # a DatasetError says what the folder lacks
    names, labels, x, source = features_for(path, learn, features, progress)
    vocab = sorted(set(labels))
    y = np.array([vocab.index(label) for label in labels])
    table = suspects_table(names, labels, vocab, out_of_fold_probs(x, y, folds, seed))
    table.attrs["features"] = source
    return table


def image_losses(learn, path, files=None):
    """A learner's own loss per picture (the lesson's in-sample ranking), names relative to path."""
    dls, path = learn.dls, Path(path)
    if files is None:
        files = list(dls.train_ds.items) + list(dls.valid_ds.items)
    files = list(files)
    if not files:
        raise ValueError(f"the learner holds no pictures of {path}: pass `files` to score")
    dl = dls.test_dl(files, with_labels=True)  # validation transforms: no augmentation
    with learn.no_bar():
        probs, targs, losses = learn.get_preds(dl=dl, with_loss=True)
    prob, pred = probs.max(dim=1)
    vocab = list(dls.vocab)
    return pd.DataFrame(
        {
            "name": [Path(f).relative_to(path).as_posix() for f in files],
            "label": [vocab[int(t)] for t in targs],
            "pred": [vocab[int(p)] for p in pred],
            "prob": prob.numpy().round(4),
            "loss": losses.numpy().round(4),
        }
    )


def rank(table, by="loss"):
    """`image_losses`' table with the highest loss (by="loss") or lowest prob ("prob") first."""
    if by not in ("loss", "prob"):
        raise ValueError(f"unknown ranking {by!r}: choose loss or prob")
    return table.sort_values(by, ascending=by == "prob", kind="stable").reset_index(drop=True)


def found_fraction(names, planted):
    """The fraction of `planted` names that appear among `names` (e.g. the top suspects)."""
    planted = {str(p) for p in planted}
    if not planted:
        return float("nan")
    return len(planted & {str(n) for n in names}) / len(planted)


def plot_suspects(path, rows, ncols=5, size=2.2):
    """A grid of the pictures in `rows` (from find_suspects) titled with label and suggestion."""
    titles = [
        f"{r.label} → {r.suggested}\nscore {r.score:.2f}" if r.suggested != r.label else r.label
        for r in rows.itertuples()
    ]
    files = [Path(path) / name for name in rows["name"]]
    return show_files(files, titles, ncols=ncols, size=size, title_lines=2)
