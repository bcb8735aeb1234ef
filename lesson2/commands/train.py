"""`lesson2 train`: fine-tune a pretrained model on a folder of class folders and export it.

lesson2 train ~/.lesson2/shapes         # offline: EfficientNet-Lite0, sized for the device
lesson2 train ~/bears --arch resnet34 --epochs 4 --size 224 --out bears.pkl
lesson2 train                           # builds the offline demo dataset first
"""

import argparse
import sys
import time
from pathlib import Path

LR = 2e-3  # the same as lesson2.train.LR, kept here so `--help` needs no torch


def add(sub):
    p = sub.add_parser(
        "train",
        help="fine-tune a pretrained model on an image folder and export it for the app",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "data", type=Path, nargs="?", help="folder with one subfolder per class (default: the demo)"
    )
    p.add_argument("--arch", help="model name (default efficientnet_lite0, pretrained offline)")
    p.add_argument("--no-pretrained", action="store_true", help="start from random weights")
    p.add_argument("--epochs", type=int, help="epochs of the whole network (default: by device)")
    p.add_argument("--freeze-epochs", type=int, help="epochs of the head alone first")
    p.add_argument("--lr", type=float, default=LR, help=f"base learning rate (default {LR})")
    p.add_argument("--size", type=int, help="image size in pixels (default: 128 CPU, 224 GPU)")
    p.add_argument("--bs", type=int, help="batch size (default: 32 CPU, 64 GPU)")
    p.add_argument("--valid-pct", type=float, default=0.2, help="share kept for validation")
    p.add_argument("--seed", type=int, default=42, help="seed of the train/valid split")
    p.add_argument("--out", type=Path, help="exported model (default ~/.lesson2/models/DATA.pkl)")
    return p


def _fail(message):
    print(f"lesson2 train: {message}", file=sys.stderr)
    return 2


def _clean_summary(learn, data):
    """A line with the accuracy leaving out the demo's planted wrong labels (demo data only)."""
    from lesson2.offline import PLANTED, planted_files
    from lesson2.train import clean_accuracy

    if not (Path(data) / PLANTED).is_file():
        return ""
    acc = clean_accuracy(learn, exclude=planted_files(data)["mislabeled"])
    return f"accuracy on the clean validation pictures (planted mislabels left out): {acc:.1%}\n"


def run(
    data=None, *, arch=None, no_pretrained=False, epochs=None, freeze_epochs=None, lr=LR,
    size=None, bs=None, valid_pct=0.2, seed=42, out=None,
):  # fmt: skip
    """Fine-tune `arch` on the folder `data` (default: the offline demo) and export it to `out`."""
    from lesson2 import train  # imported here: torch and fastai take seconds to load
    from lesson2.models import DEFAULT_ARCH, WeightsNotFound
    from lesson2.paths import data_dir

    if data is None:
        from lesson2.offline import build_demo_dataset

        data = build_demo_dataset()
    if not 0 < valid_pct < 1:
        return _fail(f"--valid-pct must be between 0 and 1, not {valid_pct}")
    pretrained = not no_pretrained
    device = train.pick_device()
    plan = train.plan_for(
        device, size=size, bs=bs, epochs=epochs,
        freeze_epochs=freeze_epochs if pretrained else 0,  # no pretrained head stage to train
    )  # fmt: skip
    out = out or data_dir() / "models" / f"{Path(data).resolve().name}.pkl"
    arch = arch or DEFAULT_ARCH
    print(f"device: {train.describe_device(device)}")
    try:
        dls = train.get_dls(data, plan, valid_pct=valid_pct, seed=seed)
        learn = train.get_learner(dls, arch, pretrained=pretrained)
    except (WeightsNotFound, FileNotFoundError, ValueError) as err:
        return _fail(str(err))
    print(f"data: {len(dls.train_ds)} train, {len(dls.valid_ds)} valid images of {dls.vocab}")
    stages = f"{plan.freeze_epochs} frozen + {plan.epochs} epochs" if pretrained else (
        f"{plan.epochs} epochs from random weights"
    )  # fmt: skip
    print(f"training {arch} at {plan.size}px: {stages}")
    start = time.perf_counter()
    train.fit_recipe(learn, plan, lr, pretrained=pretrained)
    seconds = time.perf_counter() - start
    path = train.export(learn, out)
    from lesson2.deploy import export_onnx  # the file the web app serves, beside the .pkl

    onnx = export_onnx(learn, path.with_suffix(".onnx"))
    _, error, acc = learn.validate()
    print(_clean_summary(learn, data), end="")
    seen = len(dls.train_ds) * (plan.epochs + plan.freeze_epochs)
    print(
        f"error rate {error:.1%} (accuracy {acc:.1%}) after {seconds:.0f} s on "
        f"{train.describe_device(device)}, {seen / seconds:.0f} training images/s\n"
        f"exported to {path}\nand for the web app to {onnx}"
    )
    return 0
