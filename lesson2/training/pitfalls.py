"""What goes wrong in training, shown in seconds: the lesson's pitfalls on real data.

    from lesson2.training.pitfalls import PITFALLS, findings, run_pitfalls
    feats = precompute(learn, exclude=planted)  # lesson2.training.features: the body's view, once
    histories = run_pitfalls(feats)    # {"lr too high": History(epoch=[...], ...), ...}
    print(*findings(histories), sep="\n")  # what the curves show, with their numbers

Each pitfall trains fastai's usual head with `fit_one_cycle` on features the frozen body has
computed once, so all of them fit on a CPU in seconds. After every mini-batch the head is
scored on the whole training set and on the validation set (without the files in `exclude`,
say the demo's planted mislabels, whose huge losses would hide everything else): the loss and
the error rate, the lesson's measure.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from fastai.vision.all import (
    Callback,
    CancelValidException,
    CrossEntropyLossFlat,
    Learner,
    create_head,
    set_seed,
)

from lesson2.training.features import feature_loaders

BS = 64  # a head learns fast: with small batches a single epoch would already be enough


@dataclass
class Pitfall:
    """One way to train badly (or well): its learning rate, epochs and training set."""

    lr: float  # peak learning rate of the one-cycle schedule
    epochs: int  # passes over the training images
    n_train: int | None = None  # use only this many training images (None: all)
    ps: float = 0.5  # dropout in the head (fastai's default); 0 lets it memorize freely
    wd: float | None = None  # weight decay (None: fastai's default 0.01); 0 lets weights grow
    note: str = ""  # what the curves show


PITFALLS = {
    "about right": Pitfall(2e-3, 4, note="both losses fall; the error rate levels off"),
    "lr too high": Pitfall(300.0, 8, note="the loss explodes; the error rate ends far worse"),
    "lr too low": Pitfall(1e-6, 8, note="the loss hardly moves: raise the lr"),
    "too few epochs": Pitfall(2e-3, 1, note="stopped early: the train loss is still high"),
    # Overfitting needs a tiny training set, no dropout, no weight decay (and, as here, no
    # augmentation): with fastai's defaults and a few hundred pictures it hardly shows.
    "too many epochs": Pitfall(
        1e-1, 60, n_train=6, ps=0, wd=0, note="train loss ~0, valid error climbs from its best"
    ),
}


@dataclass
class History:
    """Loss and error rate on the training and validation sets, after each mini-batch."""

    epoch: list = field(default_factory=list)  # when (in epochs, fractional)
    train_loss: list = field(default_factory=list)
    valid_loss: list = field(default_factory=list)
    train_error: list = field(default_factory=list)
    valid_error: list = field(default_factory=list)


def _score(model, x, y):
    """Mean cross-entropy and error rate of `model` on (x, y), without dropout."""
    with torch.no_grad():
        out = model.eval()(x)
    return torch.nn.functional.cross_entropy(out, y).item(), (out.argmax(1) != y).float().mean()


class _Scores(Callback):
    """Scores the head on all training and validation features before training and after
    every mini-batch."""

    order = 60

    def __init__(self, history, train, valid):
        self.history, self.train, self.valid = history, train, valid

    def before_fit(self):
        self._record(0.0)

    def before_validate(self):
        raise CancelValidException()  # fastai's own pass: _record has scored the valid set

    def after_batch(self):
        if self.training:
            self._record(self.train_iter / self.n_iter)

    def _record(self, epoch):
        training = self.model.training
        h = self.history
        loss, error = _score(self.model, *self.train)
        h.train_loss.append(loss)
        h.train_error.append(float(error))
        loss, error = _score(self.model, *self.valid)
        h.valid_loss.append(loss)
        h.valid_error.append(float(error))
        h.epoch.append(epoch)
        self.model.train(training)


def _subset(x, y, n, seed):
    """About `n` items of (x, y), the same number from each class."""
    if n is None or n >= len(y):
        return x, y
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    per_class = -(-n // len(y.unique()))
    keep = torch.cat([order[y[order] == label][:per_class] for label in y.unique()])
    return x[keep], y[keep]


def head_learner(feats, pitfall=None, bs=BS, seed=0):
    """A Learner for a fresh fastai head on `feats` (training images cut as `pitfall` says).

    Its steps are those of the frozen stage (the body is fixed either way), so its `lr_find`
    takes seconds on a CPU."""
    pitfall = pitfall or Pitfall(lr=1e-3, epochs=1)
    set_seed(seed)
    x, y = _subset(*feats["train"], pitfall.n_train, seed)
    dls = feature_loaders((x, y), feats["valid"], bs)
    head = create_head(x.shape[1], feats["c"], pool=False, ps=pitfall.ps)
    wd = {} if pitfall.wd is None else {"wd": pitfall.wd}
    return Learner(dls, head, loss_func=CrossEntropyLossFlat(), **wd)


def fit_head(feats, pitfall, bs=BS, seed=0):
    """Train a fresh fastai head on `feats` as `pitfall` says; returns its `History`."""
    learn = head_learner(feats, pitfall, bs, seed)
    history = History()
    scores = _Scores(history, learn.dls.train_ds.tensors, feats["valid"])
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(pitfall.epochs, pitfall.lr, cbs=scores)
    return history


@contextmanager
def one_thread():
    """Run torch on one thread: a model this small gains nothing from more, and on busy cores
    its threads wait for each other (ten times slower on a shared 2-core machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def run_pitfalls(feats, pitfalls=None):
    """`fit_head` for each pitfall (default: all of PITFALLS)."""
    pitfalls = pitfalls or PITFALLS
    with one_thread():
        return {name: fit_head(feats, p) for name, p in pitfalls.items()}


def claims(histories):
    """{claim: whether `histories` (from `run_pitfalls`) show it}: what notebook 02 prints
    (`findings`), checked on three demo seeds by benchmarks/bench_claims.py."""
    right, high, low = histories["about right"], histories["lr too high"], histories["lr too low"]
    few, many = histories["too few epochs"], histories["too many epochs"]
    return {
        "about right: valid error rate ends within 5 points of its lowest": (
            right.valid_error[-1] <= min(right.valid_error) + 0.05
        ),
        "lr too high: the loss grows more than 10x at some point": (
            max(high.train_loss) > 10 * high.train_loss[0]
        ),
        "lr too high: valid error rate ends 10 points above about right": (
            high.valid_error[-1] >= right.valid_error[-1] + 0.10
        ),
        "lr too low: train loss ends within 10% of where it began": (
            low.train_loss[-1] > 0.9 * low.train_loss[0]
        ),
        "lr too low: valid error rate ends 20 points above about right": (
            low.valid_error[-1] >= right.valid_error[-1] + 0.20
        ),
        "too few epochs: train loss ends 2x above about right, like too low": (
            min(few.train_loss[-1], low.train_loss[-1]) > 2 * right.train_loss[-1]
        ),
        "too many epochs: train loss ends below 0.001": many.train_loss[-1] < 1e-3,
        "too many epochs: valid error rate ends above its lowest": (
            many.valid_error[-1] > min(many.valid_error)
        ),
    }


def _times(ratio):
    """'12x', '1,234x', or '5e+17 times' once the digits would stop meaning anything."""
    return f"{ratio:,.0f}x" if ratio < 1e6 else f"{ratio:.0e} times"


def findings(histories):
    """What the pitfalls' curves show, as sentences with their numbers (notebook 02)."""
    right, high, low = histories["about right"], histories["lr too high"], histories["lr too low"]
    few, many = histories["too few epochs"], histories["too many epochs"]

    def ends(h):
        return f"{h.valid_error[-1]:.0%}"

    growth = max(high.train_loss) / high.train_loss[0]
    rise = right.valid_loss[-1] / min(right.valid_loss)
    return [
        f"about right: the validation error rate ends at {ends(right)}, "
        f"{100 * (right.valid_error[-1] - min(right.valid_error)):.1f} points above its lowest "
        f"({min(right.valid_error):.1%}); its validation "
        f"loss ends at {rise:.1f}x its lowest",
        f"lr too high: the training loss peaks at {_times(growth)} where it began, and the "
        f"validation error rate ends at {ends(high)} against {ends(right)} about right",
        f"lr too low: the training loss ends at {low.train_loss[-1] / low.train_loss[0]:.0%} of "
        f"where it began, the validation error rate at {ends(low)}",
        f"too few epochs: the training loss ends at {few.train_loss[-1]:.2f} and too low's at "
        f"{low.train_loss[-1]:.2f}, against {right.train_loss[-1]:.2f} about right: both "
        "stopped before the model learnt what it could",
        f"too many epochs: the training loss ends at {many.train_loss[-1]:.0e} while the "
        f"validation error rate climbs from its lowest, {min(many.valid_error):.0%}, "
        f"to {ends(many)}: overfitting",
    ]
