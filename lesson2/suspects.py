"""Ranks the images a model finds hardest, so a person looks at the likely mistakes first.

    from lesson2.suspects import image_losses, rank
    table = image_losses(learn, path)  # a row per image: name, label, split, pred, prob, loss
    rank(table, "loss").head(10)      # highest loss first
    rank(table, "confidence")         # least confident first
    plot_suspects(path, rank(table).head(10))   # the pictures, with label, prediction and loss

The losses come from every image of the training and validation sets, seen the way the
validation set is seen (no augmentation), so a picture's loss depends on the picture alone.
"""

from pathlib import Path

import pandas as pd

from lesson2.gallery import show_files

MODES = {"loss": ("loss", False), "confidence": ("prob", True)}  # sort column, ascending
COLUMNS = ["name", "label", "split", "pred", "prob", "loss"]


def image_losses(learn, path, files=None):
    """Loss and prediction per image of `learn.dls` (or of `files`), names relative to `path`."""
    dls, path = learn.dls, Path(path)
    if files is None:
        splits = ["train"] * len(dls.train_ds.items) + ["valid"] * len(dls.valid_ds.items)
        files = list(dls.train_ds.items) + list(dls.valid_ds.items)
    else:
        files, splits = list(files), ["-"] * len(files)
    if not files:
        raise ValueError(f"no images to score under {path}: check the dataset folder")
    dl = dls.test_dl(files, with_labels=True)  # validation transforms: no augmentation
    with learn.no_bar():
        probs, targs, losses = learn.get_preds(dl=dl, with_loss=True)
    prob, pred = probs.max(dim=1)
    vocab = list(dls.vocab)
    return pd.DataFrame(
        {
            "name": [Path(f).relative_to(path).as_posix() for f in files],
            "label": [vocab[int(t)] for t in targs],
            "split": splits,
            "pred": [vocab[int(p)] for p in pred],
            "prob": prob.numpy().round(4),
            "loss": losses.numpy().round(4),
        }
    )


def rank(table, mode="loss"):
    """The table sorted so the likeliest mistakes come first ("loss" or "confidence")."""
    if mode not in MODES:
        raise ValueError(f"unknown ranking {mode!r}: choose one of {', '.join(MODES)}")
    column, ascending = MODES[mode]
    return table.sort_values(column, ascending=ascending, kind="stable").reset_index(drop=True)


def found_fraction(names, planted):
    """The fraction of `planted` names that appear among `names` (e.g. the top suspects)."""
    planted = {str(p) for p in planted}
    if not planted:
        return float("nan")
    return len(planted & {str(n) for n in names}) / len(planted)


def plot_suspects(path, rows, ncols=5, size=2.2):
    """A grid of the images in `rows` titled "label -> pred" with probability and loss."""
    titles = [f"{r.label} → {r.pred}\np={r.prob:.2f} loss={r.loss:.2f}" for r in rows.itertuples()]
    files = [Path(path) / name for name in rows["name"]]
    return show_files(files, titles, ncols=ncols, size=size, title_lines=2)
