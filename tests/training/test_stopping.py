"""lesson2.training.stopping: stop when the error rate is stuck or out of time, keep the best."""

import time

import pytest
import torch
from fastai.vision.all import DataLoaders, Learner, error_rate
from torch.utils.data import TensorDataset

from lesson2.training.stopping import BestEpoch, LastEpoch


def small_learner(seed=0):
    """A linear classifier on two noisy clusters: it learns in a few epochs, then stalls."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(200) % 2
    x = torch.randn(200, 8, generator=g) + y[:, None] * 1.5
    dls = DataLoaders.from_dsets(
        TensorDataset(x[:160], y[:160]), TensorDataset(x[160:], y[160:]), bs=16, device="cpu"
    )
    torch.manual_seed(seed)  # the layer's first weights (and the batches' order): every run alike
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
    best = BestEpoch(patience=2, warmup=0)  # a constant rate: no cycle to warm up
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
    assert "after one epoch, too soon to tell whether more would help" in best.summary()
    assert "still improving" not in best.summary()  # one epoch cannot show a trend


def test_a_budget_that_ends_while_the_error_still_falls_says_so():
    from fastai.callback.core import Callback

    learn = small_learner()
    best = BestEpoch(patience=100)

    class RunsOut(Callback):
        order = 60  # before BestEpoch's own after_epoch: the third epoch is the last to fit

        def after_epoch(self):
            if self.epoch == 2:
                best.deadline = time.monotonic()

    with learn.no_bar(), learn.no_logging():
        learn.fit(10, 0.002, cbs=[best, RunsOut()])
    assert best.stopped == "budget" and len(best.epoch_seconds) == 3
    assert best.epoch_best == 2 and best.improving  # a small rate: each epoch a little better
    assert "kept epoch 3 of 3 (10 planned) (error rate" in best.summary()
    assert "while it was still improving: give it more minutes" in best.summary()


def test_epochs_while_one_cycles_rate_rises_do_not_count_against_patience():
    learn = small_learner()
    best = BestEpoch(patience=2, to_beat=(0.0, 0.0))  # nothing improves; warmup: half of 12
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(12, 0.05, cbs=best)
    assert best.stopped == "stuck" and len(best.epoch_seconds) == 6 + 2  # 6 near the peak, 2 more


def test_patience_running_out_on_the_last_epoch_is_every_epoch_running():
    learn = small_learner()
    best = BestEpoch(patience=2, to_beat=(0.0, 0.0), warmup=0)
    fit(learn, 2, 0.05, best)
    assert best.stopped == "epochs" and len(best.epoch_seconds) == 2


def test_weights_no_epoch_beats_are_kept_and_the_summary_says_so():
    learn = small_learner()
    start = learn.model.weight.detach().clone()
    best = BestEpoch(patience=2, to_beat=(0.0, 0.0), warmup=0)  # unbeatable, like a fine head
    seen = fit(learn, 10, 0.05, best)
    assert best.stopped == "stuck" and len(seen) == 2 and best.kept_earlier
    assert torch.equal(learn.model.weight, start) and not torch.equal(seen[-1], start)
    assert best.error == 0.0 and not best.improving
    assert best.summary().startswith(
        "kept the weights it started from (error rate 0.0%): none of its 2 epochs (10 planned) "
        "beat them"
    )


def test_an_epoch_that_beats_the_starting_weights_is_kept():
    learn = small_learner()
    best = BestEpoch(patience=100, to_beat=(1.0, float("inf")))  # every epoch beats it
    seen = fit(learn, 3, 0.05, best)
    assert not best.kept_earlier and best.epoch_best is not None
    assert torch.equal(learn.model.weight, seen[best.epoch_best])


def test_a_run_whose_last_planned_epoch_was_its_best_says_more_may_help():
    learn = small_learner()
    best = BestEpoch(patience=100)
    fit(learn, 3, 0.002, best)  # a small rate: each epoch a little better
    assert best.stopped == "epochs" and best.improving
    assert best.summary().endswith(
        "every planned epoch ran, the last one the best: more epochs or minutes may lower it "
        "further"
    )


def test_one_cycles_last_epoch_is_kept_whatever_scored_best():
    learn = small_learner()
    last = LastEpoch()
    seen = fit(learn, 8, 0.05, last)
    errors = [row[2] for row in learn.recorder.values]
    assert torch.equal(learn.model.weight, seen[-1])  # the weights the fit ended with
    assert last.epoch_best == 7 and last.error == pytest.approx(errors[-1])
    assert last.best_key == (pytest.approx(errors[-1]), pytest.approx(learn.recorder.values[-1][1]))
    said = f"kept its last epoch, 8 (error rate {errors[-1]:.1%}); every planned epoch ran"
    assert last.summary() == said


def test_a_cycle_cut_by_the_budget_keeps_where_it_stopped_and_says_so():
    learn = small_learner()
    last = LastEpoch(deadline=time.monotonic())  # already out of time
    seen = fit(learn, 10, 0.05, last)
    assert len(seen) == 1 and last.stopped == "budget" and last.epoch_best == 0
    assert torch.equal(learn.model.weight, seen[0])
    assert last.summary().startswith("kept its last epoch, 1 of 10 planned (error rate ")
    assert last.summary().endswith("the time budget ran out before its rate came down")


def test_a_cycle_cut_near_its_end_says_how_far_its_rate_came_down():
    from fastai.callback.core import Callback

    learn = small_learner()
    last = LastEpoch(deadline=time.monotonic() + 3600)

    class OutOfTimeAfterNine(Callback):
        order = 60  # before LastEpoch, which checks the deadline after each epoch

        def after_epoch(self):
            if self.epoch == 8:
                last.deadline = time.monotonic()

    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(10, 0.05, cbs=[last, OutOfTimeAfterNine()])
    lrs = learn.recorder.lrs
    assert len(last.epoch_seconds) == 9 and last.stopped == "budget"
    share = lrs[-1] / max(lrs)
    assert 0 < share < 0.1  # nine tenths through a cycle its rate is nearly down
    assert last.summary().endswith(
        f"the time budget ran out, its rate down to {share:.0%} of its peak"
    )


def test_an_epoch_that_only_ties_the_weights_to_beat_does_not_replace_them():
    learn = small_learner()
    with learn.no_bar():
        _, error = learn.validate()[:2]
    start = learn.model.weight.detach().clone()
    best = BestEpoch(patience=100, to_beat=(error, float("inf")), warmup=0)
    fit(learn, 2, 0.0, best)  # lr 0: every epoch ties the error rate with a lower loss
    assert best.kept_earlier and torch.equal(learn.model.weight, start)
    one = 1 / len(learn.dls.valid_ds)  # one validation picture more wrong in the weights to beat
    best = BestEpoch(patience=100, to_beat=(error + one, float("inf")), warmup=0)
    fit(learn, 2, 0.0, best)  # one picture fewer wrong than the weights to beat: kept
    assert best.epoch_best == 0 and not best.kept_earlier


def test_ties_are_counted_in_pictures_and_go_to_the_lower_loss_between_epochs_only():
    learn = small_learner()  # 40 validation pictures: one wrong is 0.025
    best = BestEpoch(patience=100, warmup=0)
    best.learn = learn  # what fit does: the callback reads the learner's validation set
    low, high = 0.024999998, 0.025000003  # one picture wrong, averaged over other batches
    assert best.wrong(low) == best.wrong(high) == 1
    best.best_key, best.epoch_best = (low, 0.5), 0  # an epoch kept so far
    assert best._better((high, 0.4)) and not best._better((low, 0.6))
    best.epoch_best = None  # the weights to beat instead of an epoch: a tie keeps them
    assert not best._better((high, 0.4)) and not best._better((low - 1e-7, 0.1))
    assert best._better((0.0, 0.9))
