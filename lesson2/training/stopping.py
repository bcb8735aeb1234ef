"""Training until the validation error rate stops improving, within a time budget.

    from lesson2.training.stopping import BestEpoch
    best = BestEpoch(patience=3, deadline=time.monotonic() + 240)
    learn.fit_one_cycle(20, lr, cbs=best)   # stops when stuck or out of time, keeps the best
    best.epoch_best, best.error, best.stopped  # 6, 0.031, 'stuck': none better for 3 epochs
    last = LastEpoch(deadline=...)          # one whole cycle, keeping what it ends with

What fastai's EarlyStoppingCallback and SaveModelCallback do together, with three differences
that matter here: the best weights are kept in memory (SaveModelCallback writes a file each
time the model improves, slow for no gain when the weights fit in memory); equal error rates
of two epochs are told apart by the validation loss (with a few hundred validation pictures,
error rates tie often), while the weights the fit started from (the head alone's) keep a tie;
and a time budget stops training before an epoch that would not fit in it, saying so.
"""

import copy
import time

from fastai.vision.all import Callback, CancelFitException

STOPPED = {
    "stuck": "the error rate stopped improving",
    "budget": "the time budget ran out",
    "epochs": "every planned epoch ran",
}


class BestEpoch(Callback):
    """Keeps the weights of the epoch with the lowest validation error rate (ties: the lowest
    validation loss; the weights to beat, if any, keep a tie); stops after `patience` epochs
    without a better one, or before an epoch that would end after `deadline` (a
    time.monotonic() value)."""

    order = 65  # after the Recorder has the epoch's metrics

    def __init__(
        self,
        patience=3,
        deadline=None,
        monitor="error_rate",
        to_beat=None,
        to_beat_name="the weights it started from",
        head=None,
        warmup=0.5,
    ):
        """`to_beat`: the (error rate, validation loss) of the weights the model has before this
        fit (say, after the head alone); they are kept unless an epoch gets fewer validation
        pictures wrong. The summary calls them `to_beat_name`. `head`: the head stage's own
        BestEpoch, when this fit follows one (`fit_recipe` passes it), for whoever reads both
        stages. Epochs in the first `warmup` share of those planned do not count against
        `patience`: one cycle's rate rises for the first quarter (`fit_one_cycle`'s
        `pct_start`) and is still near its peak until about half way, and the error rate often
        climbs then, before the falling rate brings it down."""
        self.patience, self.deadline, self.monitor = patience, deadline, monitor
        self.warmup = warmup
        self.to_beat, self.to_beat_name, self.head = to_beat, to_beat_name, head

    def before_fit(self):
        self.best_key, self.state, self.epoch_best = None, None, None
        if self.to_beat is not None:
            self.best_key = tuple(float(v) for v in self.to_beat)
            self.state = copy.deepcopy(self.learn.model.state_dict())
        self.waited, self.stopped, self.epoch_seconds = 0, "epochs", []
        self.rate_share = None  # set when the budget stops the fit: see _rate_share
        self.planned = self.n_epoch
        self.started = time.monotonic()

    def before_epoch(self):
        self.epoch_start = time.monotonic()

    def after_epoch(self):
        self.epoch_seconds.append(time.monotonic() - self.epoch_start)
        self._judge(last_scores(self.recorder, self.monitor))
        late = (
            self.deadline is not None and time.monotonic() + max(self.epoch_seconds) > self.deadline
        )
        if late and self.epoch + 1 < self.n_epoch:
            self.stopped, self.rate_share = "budget", _rate_share(self.recorder)
            raise CancelFitException()
        self._show_time_left()

    def _better(self, key):
        """Whether scores `key` beat the best so far. Against the weights the fit started from
        (`to_beat`) only fewer validation pictures wrong counts: on a tie the simpler model
        stays (the head alone, whose pretrained body fine-tuning has not moved), as notebook 02
        keeps it; a lower validation loss alone is no reason to swap. Between epochs, ties go
        to the lower validation loss."""
        if self.best_key is None:
            return True
        wrong, best = self._level(key[0]), self._level(self.best_key[0])
        if self.epoch_best is None:  # still the weights it started from
            return wrong < best
        return (wrong, key[1]) < (best, self.best_key[1])

    def wrong(self, error):
        """How many validation pictures the error rate `error` means. Compared as counts, not
        as rates: fastai averages a metric batch by batch in float32, so two epochs with the
        same number wrong can differ in the last digits (one wrong of 120 reads 0.0083333338
        or 0.0083333375, by the batch it fell in)."""
        return round(error * len(self.dls.valid_ds))

    def _level(self, value):
        """`value` of the monitored metric as compared: error rates as pictures wrong (`wrong`),
        any other metric (lower is better: say, "valid_loss") as it is."""
        return self.wrong(value) if self.monitor == "error_rate" else value

    def _judge(self, key):
        """Keeps this epoch's weights if `key` (its scores) is the best so far; stops the fit
        once `patience` epochs after the warmup brought no better one."""
        if self._better(key):
            self.best_key, self.epoch_best, self.waited = key, self.epoch, 0
            self.state = copy.deepcopy(self.learn.model.state_dict())
        elif self.epoch + 1 > self.warmup * self.n_epoch:
            self.waited += 1
        if self.waited >= self.patience and self.epoch + 1 < self.n_epoch:
            self.stopped = "stuck"
            raise CancelFitException()

    def _show_time_left(self):
        """The budget left, beside the progress bar's epochs (its own estimate assumes every
        planned epoch runs)."""
        progress = getattr(self.learn, "progress", None)
        if self.deadline is None or getattr(progress, "mbar", None) is None:
            return
        left = max(self.deadline - time.monotonic(), 0)
        progress.mbar.main_bar.comment = (
            f"{int(left // 60)}:{int(left % 60):02d} of the budget left"
        )

    def after_fit(self):
        if self.state is not None:
            self.learn.model.load_state_dict(self.state)

    @property
    def error(self):
        """The best epoch's validation error rate (None before any epoch ran)."""
        return None if self.best_key is None else self.best_key[0]

    @property
    def improving(self):
        """Whether the last epoch that ran was the best one: stopping then left gains behind."""
        return self.epoch_best is not None and self.epoch_best == len(self.epoch_seconds) - 1

    @property
    def kept_earlier(self):
        """Whether no epoch of this fit beat the weights it started from (`to_beat`)."""
        return self.epoch_best is None and self.best_key is not None

    def summary(self):
        """One line: which epoch was kept, why training stopped, and whether it still improved."""
        ran = len(self.epoch_seconds)
        planned = f" ({self.planned} planned)" if ran < self.planned else ""
        if self.kept_earlier:
            beaten = (
                f"its one epoch{planned} did not"
                if ran == 1
                else f"none of its {ran} epochs{planned}"
            )
            kept = f"kept {self.to_beat_name} (error rate {self.error:.1%}): {beaten}"
            kept += " beat them"
        else:
            kept = (
                f"kept epoch {self.epoch_best + 1} of {ran}{planned} (error rate {self.error:.1%})"
            )
        line = f"{kept}; stopped because {STOPPED[self.stopped]}"
        if self.stopped == "budget" and ran == 1:
            line += " after one epoch, too soon to tell whether more would help: give it more "
            line += "minutes (--minutes)"
        elif self.stopped == "budget" and self.improving:
            line += " while it was still improving: give it more minutes (--minutes)"
        elif self.stopped == "epochs" and self.improving and ran > 1:
            line += ", the last one the best: more epochs or minutes may lower it further"
        return line


class LastEpoch(BestEpoch):
    """Keeps the weights one cycle ends with, its last epoch's, and stops only before an epoch
    that would end after `deadline`. Picking the best of a cycle's many cheap epochs on a few
    hundred validation pictures picks noise: on the tuned datasets (benchmarks/RESULTS.md) the
    head's last epoch read held-out pictures better than its best-scored one, or as well, in
    every setup tried.
    Its `error` and `best_key` are the last epoch's scores."""

    def __init__(self, deadline=None, monitor="error_rate"):
        super().__init__(patience=None, deadline=deadline, monitor=monitor, warmup=0)

    def _judge(self, key):
        """Every epoch is the one kept, the last by the time the fit ends: its scores, and the
        weights the model already holds (nothing to copy or put back)."""
        self.best_key, self.epoch_best = key, self.epoch

    def summary(self):
        """One line: how many epochs ran, the error rate kept, and why it stopped."""
        ran = len(self.epoch_seconds)
        planned = f" of {self.planned} planned" if ran < self.planned else ""
        line = f"kept its last epoch, {ran}{planned} (error rate {self.error:.1%})"
        if self.stopped != "budget":
            return f"{line}; every planned epoch ran"
        share = self.rate_share
        if share is None or share > 0.99:
            return f"{line}; stopped because {STOPPED['budget']} before its rate came down"
        down = f"its rate down to {share:.0%} of its peak"
        return f"{line}; stopped because {STOPPED['budget']}, {down}"


def _rate_share(recorder):
    """The last training step's learning rate as a share of the highest one of the fit so far
    (one cycle's rate climbs, then comes down: 1 while it climbs); None before any step."""
    lrs = [float(lr) for lr in getattr(recorder, "lrs", [])]
    return lrs[-1] / max(lrs) if lrs and max(lrs) > 0 else None


def last_scores(recorder, monitor="error_rate"):
    """(`monitor`, validation loss) of the recorder's last epoch: what `BestEpoch` compares."""
    values = dict(zip(recorder.metric_names[1:], recorder.values[-1], strict=False))
    return float(values[monitor]), float(values["valid_loss"])
