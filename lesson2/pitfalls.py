"""What goes wrong in training, shown in seconds: the lesson's four pitfalls on real data.

    from lesson2.pitfalls import PITFALLS, features, run_pitfalls
    feats = features(learn)              # the pretrained body's view of every image, once
    histories = run_pitfalls(feats)      # {"lr too high": History(train=[...], valid=[...]), ...}

Each pitfall trains fastai's usual head with `fit_one_cycle` on features the frozen body has
computed once, so all four fit on a CPU in seconds; what they show (the train and validation
loss curves) is what the whole network does, only faster.
"""

from dataclasses import dataclass, field

import torch
from fastai.vision.all import (
    Callback,
    CrossEntropyLossFlat,
    DataLoaders,
    Learner,
    accuracy,
    create_head,
    set_seed,
)
from torch.utils.data import TensorDataset
from tqdm.auto import tqdm


@dataclass
class Pitfall:
    """One way to train badly (or well): its learning rate, epochs and training-set size."""

    lr: float  # peak learning rate of the one-cycle schedule
    epochs: int  # passes over the training images
    n_train: int | None = None  # use only this many training images (None: all)
    ps: float = 0.5  # dropout in the head (fastai's default); 0 lets it memorize freely
    note: str = ""  # what the curves show


PITFALLS = {
    "about right": Pitfall(3e-3, 6, note="both losses fall and level off close together"),
    "lr too high": Pitfall(3.0, 6, note="the loss jumps around or explodes: lower the lr"),
    "lr too low": Pitfall(1e-6, 6, note="the loss hardly moves: raise the lr"),
    "too few epochs": Pitfall(3e-3, 1, note="stopped while both losses were still falling"),
    "too many epochs": Pitfall(
        1e-2, 60, n_train=9, ps=0, note="train loss goes to 0, valid loss climbs from its best"
    ),
}


@dataclass
class History:
    """Mean train and validation loss after each epoch."""

    train: list = field(default_factory=list)
    valid: list = field(default_factory=list)


class _EpochLosses(Callback):
    """Records the mean (not smoothed) train loss and the valid loss of every epoch."""

    order = 60  # after Recorder has computed the validation loss

    def __init__(self, history):
        self.history = history

    def before_epoch(self):
        self.total, self.count = 0.0, 0

    def after_batch(self):
        if self.training:
            self.total += self.learn.loss.item() * len(self.learn.yb[0])
            self.count += len(self.learn.yb[0])

    def after_epoch(self):
        self.history.train.append(self.total / max(self.count, 1))
        self.history.valid.append(float(self.learn.recorder.values[-1][1]))


def _pooled(learn, dl):
    """The body's pooled features (mean and max, as fastai's head sees them) and labels."""
    body = learn.model[0].eval()
    xs, ys = [], []
    with torch.no_grad():
        for xb, yb in dl:
            out = body(xb)
            xs.append(torch.cat([out.amax((2, 3)), out.mean((2, 3))], 1).cpu())
            ys.append(yb.cpu())
    return torch.cat(xs), torch.cat(ys)


def features(learn):
    """Features of every training and validation image (no augmentation), computed once."""
    dls = learn.dls
    train_dl = dls.test_dl(dls.train.items, with_labels=True)
    return {"train": _pooled(learn, train_dl), "valid": _pooled(learn, dls.valid), "c": dls.c}


def _subset(x, y, n, seed):
    """About `n` items of (x, y), the same number from each class."""
    if n is None or n >= len(y):
        return x, y
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    per_class = -(-n // len(y.unique()))
    keep = torch.cat([order[y[order] == label][:per_class] for label in y.unique()])
    return x[keep], y[keep]


def fit_head(feats, pitfall, bs=64, seed=0):
    """Train a fresh fastai head on `feats` as `pitfall` says; returns its `History`."""
    set_seed(seed)
    x, y = _subset(*feats["train"], pitfall.n_train, seed)
    dls = DataLoaders.from_dsets(
        TensorDataset(x, y),
        TensorDataset(*feats["valid"]),
        bs=min(bs, len(y)),  # a full batch even from a tiny training set
        device="cpu",
        num_workers=0,
    )
    head = create_head(x.shape[1], feats["c"], pool=False, ps=pitfall.ps)
    history = History()
    learn = Learner(dls, head, loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(pitfall.epochs, pitfall.lr, cbs=_EpochLosses(history))
    return history


def run_pitfalls(feats, pitfalls=None):
    """`fit_head` for each pitfall (default: all of PITFALLS), with a progress bar."""
    pitfalls = pitfalls or PITFALLS
    return {name: fit_head(feats, p) for name, p in tqdm(pitfalls.items(), desc="pitfalls")}
