"""`lesson2 train`: fine-tune a pretrained model on a folder of class folders and export it.

lesson2 train ~/.lesson2/shapes         # offline: EfficientNet-Lite0, sized for the device
lesson2 train ~/bears --arch resnet34 --epochs 4 --size 224 --out bears.pkl
lesson2 train                           # builds the offline demo dataset first
"""

import argparse
import sys
import time
from pathlib import Path


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
    p.add_argument("--lr", type=float, default=2e-3, help="base learning rate (default 2e-3)")
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


def run(args):
    from lesson2 import train  # imported here: torch and fastai take seconds to load
    from lesson2.models import DEFAULT_ARCH, WeightsNotFound
    from lesson2.paths import data_dir

    if args.data is None:
        from lesson2.offline import build_demo_dataset

        args.data = build_demo_dataset()
    if not 0 < args.valid_pct < 1:
        return _fail(f"--valid-pct must be between 0 and 1, not {args.valid_pct}")
    device = train.pick_device()
    plan = train.plan_for(device)
    out = args.out or data_dir() / "models" / f"{Path(args.data).resolve().name}.pkl"
    args.arch = args.arch or DEFAULT_ARCH
    print(f"device: {train.describe_device(device)}")
    try:
        dls = train.get_dls(args.data, args.size, args.bs, args.valid_pct, args.seed)
        learn = train.get_learner(dls, args.arch, pretrained=not args.no_pretrained)
    except (WeightsNotFound, FileNotFoundError, ValueError) as err:
        return _fail(str(err))
    epochs = plan.epochs if args.epochs is None else args.epochs
    freeze_epochs = plan.freeze_epochs if args.freeze_epochs is None else args.freeze_epochs
    size = dls.one_batch()[0].shape[-1]
    print(f"data: {len(dls.train_ds)} train, {len(dls.valid_ds)} valid images of {dls.vocab}")
    print(f"training {args.arch} at {size}px: {freeze_epochs} frozen + {epochs} epochs")
    start = time.perf_counter()
    if freeze_epochs and not args.no_pretrained:
        learn.fit_one_cycle(freeze_epochs, args.lr)  # the new head only
    learn.unfreeze()
    if epochs:  # then everything, the pretrained layers with smaller steps
        learn.fit_one_cycle(epochs, slice(args.lr / 100, args.lr / 2))
    seconds = time.perf_counter() - start
    path = train.export(learn, out)
    _, error, acc = learn.validate()
    print(_clean_summary(learn, args.data), end="")
    seen = len(dls.train_ds) * (epochs + (0 if args.no_pretrained else freeze_epochs))
    print(
        f"error rate {error:.1%} (accuracy {acc:.1%}) after {seconds:.0f} s on "
        f"{train.describe_device(device)}, {seen / seconds:.0f} training images/s\n"
        f"exported to {path}"
    )
    return 0
