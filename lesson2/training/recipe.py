"""The lesson's training recipe: the new head first, then the whole network, slower at the bottom.

from lesson2.training.recipe import find_lr, fit_recipe, lr_turn, save_stage, top_from
best = fit_recipe(learn, plan)   # the head on features computed once, one cycle; unfreeze;
                                 # slice(lr/100, lr/10) until it stops, keeping the best epoch
                                 # (the head's, if none gets fewer validation pictures
                                 # wrong: a tie keeps it); best.head: the head's own
head = train_head(learn, plan, lr, deadline)  # the first stage alone, as notebook 02 does
best = fit_recipe(learn, plan, hi="lr_find")  # the slice's top from lr_find after unfreeze
hi = top_from(find_lr(learn), lr)  # the same, shown: lr_find's valley within [lr/10, lr/2]
best.summary()                   # which epoch was kept, and why training stopped
affordable_epochs(learn, time_steps(learn), 120, 20)  # epochs of this network 2 minutes allow
find_lr(learn)                   # lr_find over every mini-batch it was given, with a plot
lr_turn(learn.recorder)          # where that curve shoots up: too high from there on
save_stage(learn, "stage-1")     # learn.load("stage-1") brings it back
"""

import math
import statistics
import time
from pathlib import Path

import torch
from fastai.vision.all import (
    AdaptiveConcatPool2d,
    Callback,
    Flatten,
    Learner,
    ProgressCallback,
    accuracy,
    error_rate,
    minimum,
    steep,
    valley,
)

from lesson2.atomic import write_with
from lesson2.training.features import feature_loaders, precompute
from lesson2.training.plan import LR, plan_for
from lesson2.training.stopping import BestEpoch, LastEpoch, last_scores
from lesson2.words import count

UNFROZEN_DIV = 10  # the whole network's top rate is the head's divided by this, as in the lesson
FINE_TUNE_DIV = 2  # ... and fastai's fine_tune divides by this: the highest top lr_find may pick
SPREAD = 10  # and its first layers' rate a tenth of that again
VALID_STEP = 1 / 3  # a validation batch (forward only) costs about this share of a training step
HEAD_SHARE = 1 / 3  # of the budget, at most, for the head alone (on precomputed features it
# needs seconds): the whole network needs the rest
PLAN_SHARE = 0.8  # the cycle is planned on this share of the time left: epochs run slower than
# their steps add up to (each epoch's first batches, validation, the callbacks), and a cycle cut
# short by the budget stops while its rate is still high


def fit_recipe(learn, plan, lr=LR, pretrained=True, lo=None, hi=None, log=None):
    """The lesson's recipe: the new head alone at `lr` (`train_head`; skipped without pretrained
    weights), then the whole network with discriminative rates `slice(lo, hi)`: the last layers
    step `hi` (default: the lesson's `lr / 10`; "lr_find": see `unfrozen_top`), the first `lo`
    (`hi / 10`). One budget, `plan.minutes`, covers both stages.

    With `plan.epochs` set, that many epochs of one cycle (returns None); with None (the
    default), one cycle over the epochs that the time left in `plan.minutes` affords (at most
    `plan.max_epochs`; timed on the unfrozen network's own steps), so that its rate comes down
    before the budget ends, stopping sooner if the validation error rate stops improving, and
    keeping the best epoch's weights, the head stage's if no epoch of the whole network gets
    fewer validation pictures wrong (a tie keeps them): returns the `BestEpoch` that knows
    which epoch and why it stopped (its `head`: the head stage's own, when that stage chose its
    epochs too). `log` (say, print) is told how the head did, the rates and the epochs planned
    for the whole network."""
    deadline = time.monotonic() + 60 * plan.minutes
    head, head_best = None, None
    if plan.freeze_epochs != 0 and pretrained:
        head_best = train_head(learn, plan, lr, deadline)
        head = last_scores(learn.recorder) if head_best is None else head_best.best_key
        if log:
            log(f"the head alone: {head_best.summary() if head_best else _ran(plan)}")
    learn.unfreeze()
    timer = StepTimer()
    if hi == "lr_find":
        with learn.added_cbs(timer):  # lr_find's steps time the unfrozen network for free
            hi = unfrozen_top(learn, lr)
    hi = hi or lr / UNFROZEN_DIV
    rates = slice(lo or hi / SPREAD, hi)
    if log:
        log(
            f"the whole network at slice({rates.start:.1e}, {rates.stop:.1e}) "
            f"(the head was at {lr:.1e})"
        )
    if plan.epochs:
        learn.fit_one_cycle(plan.epochs, rates)
        return None
    step = timer.step_seconds() or time_steps(learn)
    epochs = affordable_epochs(learn, step, deadline - time.monotonic(), plan.max_epochs)
    if log:
        log(f"one cycle planned over {count(epochs, 'epoch')}: what the budget left affords")
    beat = {"to_beat": head, "to_beat_name": "the head stage's weights", "head": head_best}
    best = BestEpoch(plan.patience, deadline, **beat)
    learn.fit_one_cycle(epochs, rates, cbs=best)
    return best


def train_head(learn, plan, lr=LR, deadline=None):
    """The first stage: the new head alone at `lr`, the body frozen.

    With `plan.freeze_epochs` set, that many epochs of one cycle on the augmented pictures, as
    the lesson's `fit_one_cycle(4)` (returns None). With None (the default), on the frozen
    body's features of every picture, computed once (`precompute`: what fastai 0.7 called
    `precompute=True`): an epoch then needs no pass through the body, so the head gets one cycle
    over as many epochs as `HEAD_SHARE` of the time left before `deadline` (default
    `plan.minutes` from now) once the features are computed affords, at most `plan.head_epochs`
    (timed on a few of its own steps, as `affordable_epochs` plans the whole network), and keeps
    the weights the cycle ends with in `learn`'s own head: returns that `LastEpoch`. It is
    neither stopped early nor cut back to its best-scored epoch: the error rate often settles
    only as the rate comes down, and on a few hundred validation pictures the best-scored of
    many epochs is partly luck (the last read held-out pictures better, measured). One epoch on
    the pictures, fastai `fine_tune`'s default, is a dozen steps on a few hundred pictures: too
    few for a head that starts from random weights; more cost as much as the whole network's
    epochs would."""
    if plan.freeze_epochs:
        learn.fit_one_cycle(plan.freeze_epochs, lr)
        return None
    deadline = deadline or time.monotonic() + 60 * plan.minutes
    head = head_on_features(learn, precompute(learn), plan.bs)
    now = time.monotonic()  # the features are paid for: the share is of the time left after
    end = now + HEAD_SHARE * (deadline - now)
    epochs = affordable_epochs(head, time_steps(head), end - time.monotonic(), plan.head_epochs)
    last = LastEpoch(end)
    head.fit_one_cycle(epochs, lr, cbs=last)
    return last


def head_on_features(learn, feats, bs):
    """A Learner whose model is `learn`'s own head after its pooling (the same modules: training
    it trains `learn`), on `feats` (`precompute`'s pooled features), with `learn`'s loss,
    optimiser and weight decay; quiet if `learn` is (`no_bar`, `no_logging`)."""
    pool, flatten, *layers = learn.model[1]
    if not (isinstance(pool, AdaptiveConcatPool2d) and isinstance(flatten, Flatten)):
        raise ValueError(
            f"{learn.arch_name}'s head does not start with fastai's concat pooling, so its "
            "features cannot be computed ahead: set freeze_epochs (--freeze-epochs) to train the "
            "head on the pictures"
        )
    dls = feature_loaders(feats["train"], feats["valid"], bs, learn.dls.device)
    head = Learner(
        dls,
        torch.nn.Sequential(*layers),
        path=learn.path,  # lr_find's temporary weights go where the learner's own do
        model_dir=learn.model_dir,
        loss_func=learn.loss_func,
        opt_func=learn.opt_func,
        wd=learn.wd,
        metrics=[error_rate, accuracy],
    )
    if not hasattr(learn, "progress"):
        head.remove_cb(ProgressCallback)
    head.logger = learn.logger
    return head


def _ran(plan):
    return f"{count(plan.freeze_epochs, 'epoch')} as planned"


class StepTimer(Callback):
    """Wall-clock seconds of each training step: from the end of one to the end of the next, so
    that loading and augmenting the batch count as well as its forward, backward and update."""

    def before_fit(self):
        self.seconds, self.last = [], None

    def after_batch(self):
        if not self.training:
            return
        if self.dls.device.type == "cuda":
            torch.cuda.synchronize()  # the step is queued on the GPU: wait until it ran
        now = time.perf_counter()
        if self.last is not None:
            self.seconds.append(now - self.last)
        self.last = now

    def step_seconds(self, skip=1):
        """The median step after the first `skip` (which warm up), or None if too few ran."""
        timed = getattr(self, "seconds", [])[skip:]
        return statistics.median(timed) if timed else None


def time_steps(learn, steps=6):
    """Seconds of one training step of `learn` as it is now (frozen or not): a few real
    mini-batches at a negligible rate, then the weights and optimiser are put back (lr_find's
    way: it saves them first)."""
    timer = StepTimer()
    with learn.no_bar(), learn.no_logging(), learn.added_cbs(timer):
        learn.lr_find(1e-10, 1e-9, steps, stop_div=False, show_plot=False, suggest_funcs=None)
    return timer.step_seconds()


def affordable_epochs(learn, step_seconds, seconds_left, most):
    """How many epochs fit in PLAN_SHARE of `seconds_left` (at least 1, at most `most`) when a
    training step takes `step_seconds`: an epoch is its training batches and the validation
    batches, each of those a forward pass only."""
    epoch = step_seconds * (len(learn.dls.train) + VALID_STEP * len(learn.dls.valid))
    return max(1, min(most, math.floor(PLAN_SHARE * seconds_left / epoch)))


def unfrozen_top(learn, lr):
    """The top of the unfrozen slice, read from `lr_find` after `unfreeze` as the lesson does
    (see `top_from`). lr_find restores the weights it changed."""
    with learn.no_bar(), learn.no_logging():
        found = find_lr(learn, show_plot=False)
    return top_from(found, lr)


def top_from(found, lr):
    """The unfrozen slice's top from `found` (lr_find's suggestions after `unfreeze`): its
    `valley` (fastai's default pick), kept between the lesson's `lr / 10` and fastai
    `fine_tune`'s `lr / 2`, since one short curve is noisy."""
    return min(max(found.valley, lr / UNFROZEN_DIV), lr / FINE_TUNE_DIV)


def find_lr(learn, num_it=None, start_lr=1e-6, end_lr=1, show_plot=True):
    """fastai's `lr_find` over `num_it` mini-batches from `start_lr` to `end_lr` (plot included),
    all of them: fastai's early stop misfires when one noisy batch follows a lucky one. Returns
    the suggestions `valley` (fastai's default pick), `minimum` (a tenth of the lowest loss's
    lr, fastbook's rule) and `steep`."""
    num_it = num_it or plan_for(learn.dls.device).lr_find_iters
    return learn.lr_find(
        start_lr,
        end_lr,
        num_it,
        stop_div=False,
        show_plot=show_plot,
        suggest_funcs=(minimum, steep, valley),
    )


def lr_turn(recorder):
    """The learning rate where `lr_find`'s recorded (smoothed) loss shoots up: the first one
    from which the loss stays above twice its typical level (the median of the curve's first
    half). None if the curve never turns up. The first tenth is skipped, as fastai's
    suggestions do: a few batches in, the smoothed loss is still mostly noise."""
    skip = len(recorder.losses) // 10
    lrs, losses = recorder.lrs[skip:], [float(loss) for loss in recorder.losses[skip:]]
    level = statistics.median(losses[: max(len(losses) // 2, 1)])
    above = [loss > 2 * level for loss in losses]
    start = len(above)
    while start > 0 and above[start - 1]:
        start -= 1
    return float(lrs[start]) if start < len(above) else None


def valid_accuracy(learn, exclude=()):
    """Validation accuracy leaving out the files in `exclude` (say, known wrong labels)."""
    exclude = {Path(f).resolve() for f in exclude}
    keep = torch.tensor([Path(f).resolve() not in exclude for f in learn.dls.valid.items])
    probs, targets = learn.get_preds(dl=learn.dls.valid)
    return (probs.argmax(1) == targets)[keep].float().mean().item()


def save_stage(learn, name):
    """Save weights as stage `name` (in learn.model_dir: `stages_dir`, outside the dataset);
    `learn.load(name)` restores them."""
    dest = learn.path / learn.model_dir / f"{name}.pth"
    return write_with(dest, lambda tmp: learn.save(tmp.with_suffix(""), with_opt=True))
