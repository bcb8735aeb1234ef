"""lesson2.training.stopping: stop when the error rate is stuck or out of time, keep the best."""

import time

import pytest
import torch
from fastai.vision.all import DataLoaders, Learner, error_rate
from torch.utils.data import TensorDataset

from lesson2.training.stopping import BestEpoch


def small_learner(seed=0):
    """A linear classifier on two noisy clusters: it learns in a few epochs, then stalls."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(200) % 2
    x = torch.randn(200, 8, generator=g) + y[:, None] * 1.5
    dls = DataLoaders.from_dsets(
        TensorDataset(x[:160], y[:160]), TensorDataset(x[160:], y[160:]), bs=16, device="cpu"
    )
    return Learner(
        dls, torch.nn.Linear(8, 2), loss_func=torch.nn.CrossEntropyLoss(), metrics=error_rate
    )


def fit(learn, epochs, lr, best):
    from fastai.callback.core import Callback

    seen = []

    class Record(Callback):
        order = 60  # before BestEpoch, which may stop the fit or put other weights back

        def after_epoch(self):
            seen.append(self.learn.model.weight.detach().clone())

    with learn.no_bar(), learn.no_logging():
        learn.fit(epochs, lr, cbs=[best, Record()])
    return seen


def test_a_stuck_run_stops_after_patience_and_keeps_the_best_epoch():
    learn = small_learner()
    best = BestEpoch(patience=2)
    seen = fit(learn, 30, 0.0, best)  # lr 0: nothing ever improves after the first epoch
    assert best.stopped == "stuck" and len(seen) == 3
    assert best.epoch_best == 0 and torch.equal(learn.model.weight, seen[0])
    assert "stopped because the error rate stopped improving" in best.summary()


def test_the_kept_weights_are_the_lowest_error_rates():
    learn = small_learner()
    best = BestEpoch(patience=100)
    seen = fit(learn, 8, 0.05, best)
    errors = [row[2] for row in learn.recorder.values]
    losses = [row[1] for row in learn.recorder.values]
    first = min(range(len(errors)), key=lambda i: (errors[i], losses[i]))
    assert best.epoch_best == first and best.error == pytest.approx(errors[first])
    assert torch.equal(learn.model.weight, seen[first])
    assert best.stopped == "epochs"


def test_the_budget_stops_before_an_epoch_that_would_not_fit_and_says_so():
    learn = small_learner()
    best = BestEpoch(patience=100, deadline=time.monotonic())  # already out of time
    seen = fit(learn, 10, 0.05, best)
    assert len(seen) == 1 and best.stopped == "budget"
    assert best.improving  # one epoch, the best so far
    assert "while it was still improving: give it more minutes" in best.summary()
