"""`lesson2 train` as a function: a folder of class folders in, a trained and exported model out.

    from lesson2.training.train import train
    result = train("~/bears", plan_for(epochs=4), arch="resnet34", out="bears.pkl")
    result.pkl, result.onnx, result.error_rate, result.baseline_error, result.seconds

It checks the pictures, lets them decide what the plan leaves open (size, flips: see
`lesson2.training.choices`), runs the lesson's steps (DataLoaders, a pretrained learner, the
head on features computed once, then the whole network in one cycle over the epochs the budget
left affords, stopping sooner if the error rate stops improving, its top rate fastai
`fine_tune`'s `lr / 2`, or read from lr_find after unfreeze with `hi="lr_find"`), writes both
exports (the fastai learner and the ONNX file the web
app serves), and scores a linear model on the frozen
body's features beside it (`lesson2.training.baseline`). Progress goes to `log`.
"""

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from fastai.vision.all import Callback, find_bs

from lesson2.dataset.download import verify_images
from lesson2.dataset.folders import DatasetError, check_dataset
from lesson2.production.export import export_learner, export_onnx, pkl_path
from lesson2.training.baseline import linear_baseline
from lesson2.training.choices import choose
from lesson2.training.data import get_dls
from lesson2.training.learner import get_learner
from lesson2.training.models import DEFAULT_ARCH
from lesson2.training.plan import LR, describe_device, max_size, pick_device, plan_for
from lesson2.training.recipe import FINE_TUNE_DIV, fit_recipe


@dataclass
class Trained:
    """What a training run made, and how well it did on its validation pictures."""

    learn: object  # the fastai Learner
    plan: object  # the plan it followed, every choice filled in
    pkl: Path  # the exported learner
    onnx: Path  # the web app's file
    error_rate: float  # on the validation pictures, with the weights kept
    baseline_error: float | None  # a linear model on the frozen features, same pictures
    seconds: float  # of training, exports left out
    images_seen: int  # training pictures looked at, over every epoch
    stopping: str  # which epoch was kept and why training stopped


def check_pictures(path):
    """The dataset's files, or a DatasetError before any training: too few classes, an empty
    class folder, or pictures that cannot be decoded (named, with the fix)."""
    files = check_dataset(path, empty_ok=False)
    bad = verify_images(path)
    if bad:
        named = "; ".join(f"{b.path.relative_to(path)}: {b.reason}" for b in bad[:5])
        raise DatasetError(
            f"{len(bad)} file(s) in {path} cannot be read as pictures ({named}): move them "
            "aside with lesson2.dataset.download.verify_images(path, quarantine=True) or "
            "`lesson2 clean`, then train again"
        )
    return files


def advice(error, baseline):
    """What to say when fine-tuning did not beat the linear model on frozen features."""
    if baseline is None or error < baseline:
        return None
    return (
        f"fine-tuning did not beat the linear baseline ({error:.1%} against {baseline:.1%}): "
        "try more minutes (--minutes) or epochs, a larger size (--size), or another "
        "architecture (--arch)"
    )


def train(path, plan=None, *, arch=DEFAULT_ARCH, pretrained=True, lr=LR, hi=None, out, log=print):
    """Fine-tune `arch` on the folder `path` as `plan` says, export it to `out` (.pkl) and beside
    it (.onnx); returns what was made. Problems with the data, the arch or `out` are raised
    before training starts.

    `hi`: the whole network's top rate (`fit_recipe`'s), by default fastai `fine_tune`'s
    `lr / 2`; "lr_find" reads it from lr_find after unfreeze, as notebook 02 does. Measured on
    the tuned datasets (benchmarks/RESULTS.md), lr_find's pick after a trained head sat at its
    floor, the lesson's `lr / 10`, which moves the body too little in the few epochs a CPU
    budget allows, and its own steps cost a CPU about two epochs of a few hundred pictures."""
    path, out = Path(path).expanduser(), pkl_path(out)  # a bad name now, not after training
    device = pick_device()
    plan = plan or plan_for(device)
    if not pretrained:
        plan = dataclasses.replace(plan, freeze_epochs=0)  # no pretrained head to train first
    check_pictures(path)
    plan, reasons = choose(path, plan, max_size(device))
    log(f"device: {describe_device(device)}")
    for reason in reasons:
        log(reason)
    dls = get_dls(path, plan, device=device)
    learn = get_learner(dls, arch, pretrained=pretrained)
    log(f"data: {len(dls.train_ds)} train, {len(dls.valid_ds)} valid images of {list(dls.vocab)}")
    log(f"plan: {arch} at {plan.describe()}")
    if not pretrained:
        log("from random weights: the whole network trains from the start, no head-only stage")
    top = lr / FINE_TUNE_DIV
    if hi is None:
        log(
            f"the whole network's top rate: fastai fine_tune's lr / 2 = {top:.1e} "
            '(--lr-find, or hi="lr_find", reads it from lr_find after unfreeze instead)'
        )
    start, seen = time.perf_counter(), ImagesSeen()
    with learn.added_cbs(seen):
        best = fit_recipe(learn, plan, lr, pretrained=pretrained, hi=hi or top, log=log)
    seconds = time.perf_counter() - start
    planned = f"the {plan.epochs} planned epochs" if plan.epochs != 1 else "the one planned epoch"
    stopping = best.summary() if best else f"ran {planned}"
    log(stopping)
    pkl = export_learner(learn, out)
    onnx = export_onnx(learn, pkl.with_suffix(".onnx"))
    error = float(learn.validate()[1])
    baseline = linear_baseline(path, dls.train_ds.items, dls.valid_ds.items)
    return Trained(learn, plan, pkl, onnx, error, baseline, seconds, seen.images, stopping)


class ImagesSeen(Callback):
    """Counts the training pictures the fits look at, lr_find's trial steps (which put the
    weights back) left out."""

    order = 0
    images = 0

    def after_batch(self):
        if self.training and not hasattr(self.learn, "lr_finder"):
            self.images += find_bs(self.yb)
