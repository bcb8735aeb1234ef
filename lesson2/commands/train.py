"""`lesson2 train`: fine-tune a pretrained model on a folder of class folders and export it.

lesson2 train ~/.lesson2/shapes         # offline: EfficientNet-Lite0, within a time budget
lesson2 train ~/bears --minutes 10      # a larger time budget
lesson2 train ~/bears --arch resnet34 --freeze-epochs 4 --epochs 2 --size 224 --lr-find  # lesson
lesson2 train ~/bears --lr-find        # the whole network's top rate from lr_find, as notebook 02
lesson2 train                           # builds the offline demo dataset first

The pictures decide what is not given: the image size, and whether mirror images (and quarter
turns) keep their class; each choice is printed with its reason.
"""

import argparse
import sys
from pathlib import Path

from lesson2.commands import subcommand
from lesson2.training.plan import LR, SEED, VALID_PCT  # no torch: --help stays quick


def add(sub):
    p = subcommand(
        sub,
        "train",
        "fine-tune a pretrained model on an image folder and export it for the app",
        __doc__,
    )
    p.add_argument(
        "data", type=Path, nargs="?", help="folder with one subfolder per class (default: the demo)"
    )
    p.add_argument("--arch", help="model name (default efficientnet_lite0, pretrained offline)")
    p.add_argument("--no-pretrained", action="store_true", help="start from random weights")
    p.add_argument(
        "--epochs",
        type=int,
        help="epochs of the whole network (default: what the budget affords, fewer if the "
        "error rate stops improving)",
    )
    p.add_argument(
        "--freeze-epochs",
        type=int,
        help="epochs of the head alone first, on the augmented pictures as the lesson does "
        "(default: a cycle on the frozen body's features, computed once, keeping the best)",
    )
    p.add_argument("--minutes", type=float, help="time budget (default: 4 on a CPU, 10 on a GPU)")
    p.add_argument(
        "--flip",
        action=argparse.BooleanOptionalAction,
        help="mirror images in training (default: decided from the pictures)",
    )
    p.add_argument("--lr", type=float, default=LR, help=f"base learning rate (default {LR})")
    p.add_argument(
        "--lr-find",
        action="store_true",
        help="read the whole network's top rate from lr_find after unfreeze (default: fastai "
        "fine_tune's lr / 2)",
    )
    p.add_argument("--size", type=int, help="image size in pixels (default: from the pictures)")
    p.add_argument("--bs", type=int, help="batch size (default: 32 CPU, 64 GPU)")
    p.add_argument("--valid-pct", type=float, default=VALID_PCT, help="share kept for validation")
    p.add_argument("--seed", type=int, default=SEED, help="seed of the train/valid split")
    p.add_argument("--out", type=Path, help="exported model (default ~/.lesson2/models/DATA.pkl)")
    return p


def _fail(message):
    print(f"lesson2 train: {message}", file=sys.stderr)
    return 2


def run(
    data=None,
    *,
    arch=None,
    no_pretrained=False,
    epochs=None,
    freeze_epochs=None,
    minutes=None,
    flip=None,
    lr=LR,
    lr_find=False,
    size=None,
    bs=None,
    valid_pct=VALID_PCT,
    seed=SEED,
    out=None,
):
    """Fine-tune `arch` on the folder `data` (default: the offline demo) and export it to `out`."""
    from lesson2.training.models import DEFAULT_ARCH, WeightsNotFound  # torch: seconds to load
    from lesson2.training.plan import describe_device, plan_for
    from lesson2.training.train import advice, train
    from lesson2.workspace import data_dir

    if not 0 < valid_pct < 1:
        return _fail(f"--valid-pct must be between 0 and 1, not {valid_pct}")
    if data is None:
        from lesson2.demo.build import build_demo_dataset

        data = build_demo_dataset()
    plan = plan_for(
        size=size,
        bs=bs,
        epochs=epochs,
        freeze_epochs=freeze_epochs,
        minutes=minutes,
        flip=flip,
        valid_pct=valid_pct,
        seed=seed,
    )
    out = out or data_dir() / "models" / f"{Path(data).resolve().name}.pkl"
    try:
        done = train(
            data,
            plan,
            arch=arch or DEFAULT_ARCH,
            pretrained=not no_pretrained,
            lr=lr,
            hi="lr_find" if lr_find else None,
            out=out,
        )
    except (WeightsNotFound, FileNotFoundError, ValueError) as err:
        return _fail(str(err))
    baseline = done.baseline_error
    print(
        f"error rate {done.error_rate:.1%} (accuracy {1 - done.error_rate:.1%}) after "
        f"{done.seconds:.0f} s on {describe_device()}, "
        f"{done.images_seen / done.seconds:.0f} training images/s\n"
        f"a linear model on the frozen pretrained features: error rate {baseline:.1%}"
    )
    if advice(done.error_rate, baseline):
        print(advice(done.error_rate, baseline))
    print(f"exported to {done.pkl}\nand for the web app to {done.onnx}")
    return 0
