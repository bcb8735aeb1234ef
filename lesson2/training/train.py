"""`lesson2 train` as a function: a folder of class folders in, a trained and exported model out.

    from lesson2.training.train import train
    result = train("~/bears", plan_for(epochs=4), arch="resnet34", out="bears.pkl")
    result.pkl, result.onnx, result.error_rate, result.seconds

It runs the lesson's steps in order (DataLoaders, a pretrained learner, the recipe) and writes
both exports: the fastai learner and the ONNX file the web app serves. Progress goes to `log`.
"""

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from lesson2.production.export import export_learner, export_onnx
from lesson2.training.data import get_dls
from lesson2.training.learner import get_learner
from lesson2.training.models import DEFAULT_ARCH
from lesson2.training.plan import LR, describe_device, pick_device, plan_for
from lesson2.training.recipe import fit_recipe


@dataclass
class Trained:
    """What a training run made, and how well it did on its validation pictures."""

    learn: object  # the fastai Learner
    pkl: Path  # the exported learner
    onnx: Path  # the web app's file
    error_rate: float
    seconds: float  # of training, exports left out
    images_seen: int  # training pictures looked at, over every epoch


def stages(plan, pretrained=True):
    """'2 frozen + 2 epochs', or 'N epochs from random weights'."""
    if not pretrained:
        return f"{plan.epochs} epochs from random weights"
    return f"{plan.freeze_epochs} frozen + {plan.epochs} epochs"


def train(path, plan=None, *, arch=DEFAULT_ARCH, pretrained=True, lr=LR, out, log=print):
    """Fine-tune `arch` on the folder `path` as `plan` says, export it to `out` (.pkl) and beside
    it (.onnx); returns what was made. Errors in the data or the arch are raised before training."""
    device = pick_device()
    plan = plan or plan_for(device)
    if not pretrained:
        plan = dataclasses.replace(plan, freeze_epochs=0)  # no pretrained head to train first
    log(f"device: {describe_device(device)}")
    dls = get_dls(path, plan, device=device)
    learn = get_learner(dls, arch, pretrained=pretrained)
    log(f"data: {len(dls.train_ds)} train, {len(dls.valid_ds)} valid images of {dls.vocab}")
    log(f"training {arch} at {plan.size}px: {stages(plan, pretrained)}")
    start = time.perf_counter()
    fit_recipe(learn, plan, lr, pretrained=pretrained)
    seconds = time.perf_counter() - start
    pkl = export_learner(learn, out)
    onnx = export_onnx(learn, pkl.with_suffix(".onnx"))
    error = float(learn.validate()[1])
    seen = len(dls.train_ds) * (plan.epochs + plan.freeze_epochs)
    return Trained(learn, pkl, onnx, error, seconds, seen)
