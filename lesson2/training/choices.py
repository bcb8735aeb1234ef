"""What the pictures decide before training: the image size, and which augmentations keep labels.

    from lesson2.training.choices import choose
    plan, reasons = choose(path, plan)   # size, flip and turns filled in where the plan left None
    print(*reasons, sep="\\n")           # 'size 64 px: the pictures are 8 px a side (median) ...'

**Size.** A pretrained body works at the sizes it was trained near: EfficientNet-Lite0 halves a
picture five times, so below 64 pixels its last activation map is a single pixel. Pictures
smaller than that are scaled up to 64; larger ones are trained at their own size, rounded up to
a multiple of 32, at most the device's size (128 on a CPU, 224 on a GPU).

**Mirror images and quarter turns.** fastai flips every training picture left to right half of
the time, which turns a b into a d and an arrow pointing left into one pointing right. Whether
that keeps labels true is measured, not assumed: a linear model learns the classes from the
pretrained body's features of some of the pictures, then reads held-out pictures as they are,
mirrored and turned a quarter. If it reads the mirrored ones as well as the originals (within
TOLERANCE), mirroring keeps the class and the training flips; if it also reads the turned ones
as well, every quarter turn and flip keeps it (say textures, or cells under a microscope) and
the training uses them all (fastai's `flip_vert=True`).
"""

import dataclasses
import math
import statistics

import numpy as np
import torch
from PIL import Image

from lesson2.dataset.folders import image_files
from lesson2.training.features import pooled
from lesson2.training.models import LITE0_STATS, lite0
from lesson2_app.pictures import read_rgb

MIN_SIZE = 64  # pixels a side: smaller pictures are scaled up to this
STEP = 32  # sizes are multiples of this (the body's total stride)
SAMPLE = 300  # pictures the orientation test looks at, at most
FEATURE_SIZE = 128  # pixels a side the orientation test's features see
TOLERANCE = 0.1  # how much worse a transformed picture may be read and still keep its class
SEED = 0


def choose_size(files, largest, sample=SAMPLE):
    """(size, median short side) for pictures `files`: the side rounded up to a multiple of
    STEP, between MIN_SIZE and `largest`."""
    sides = []
    for f in _sample(files, sample):
        with Image.open(f) as img:
            sides.append(min(img.size))
    side = statistics.median(sides)
    return min(max(math.ceil(side / STEP) * STEP, MIN_SIZE), largest), side


def _sample(files, n, seed=SEED):
    files = list(files)
    if len(files) <= n:
        return files
    keep = np.random.default_rng(seed).choice(len(files), n, replace=False)
    return [files[i] for i in sorted(keep)]


@torch.inference_mode()
def _features(pictures, bs=16):
    """Pooled features of the pretrained body for each (FEATURE_SIZE px, RGB) uint8 array."""
    net = lite0(num_classes=0).eval()
    mean, std = (torch.tensor(s).view(1, 3, 1, 1) for s in LITE0_STATS)
    out = []
    for start in range(0, len(pictures), bs):
        x = torch.from_numpy(np.stack(pictures[start : start + bs])).permute(0, 3, 1, 2)
        out.append(pooled(net, (x.float() / 255 - mean) / std))
    return torch.cat(out).numpy()


def orientation_test(files, sample=SAMPLE, seed=SEED):
    """{'original', 'mirrored', 'turned'}: how often a linear model trained on the originals'
    features reads held-out pictures right, as they are, mirrored, and turned a quarter."""
    from sklearn.linear_model import LogisticRegression

    files = _sample(files, sample, seed)
    side = (FEATURE_SIZE, FEATURE_SIZE)
    pixels = [np.asarray(read_rgb(f).resize(side, Image.Resampling.BILINEAR)) for f in files]
    labels = np.array([f.parent.name for f in files])
    held = np.random.default_rng(seed).permutation(len(files))[: len(files) // 3]
    train = np.setdiff1d(np.arange(len(files)), held)
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(_features([pixels[i] for i in train]), labels[train])
    views = {
        "original": [pixels[i] for i in held],
        "mirrored": [p[:, ::-1].copy() for p in (pixels[i] for i in held)],
        "turned": [np.rot90(p).copy() for p in (pixels[i] for i in held)],
    }
    return {
        name: float((model.predict(_features(view)) == labels[held]).mean())
        for name, view in views.items()
    }


def _orientation(plan, files):
    """The plan's flip and turns decided by `orientation_test`, and the reasons."""
    read = orientation_test(files)
    base = read["original"]
    reasons = []
    if plan.flip is None:
        keeps = read["mirrored"] >= base - TOLERANCE
        plan = dataclasses.replace(plan, flip=keeps)
        reasons.append(
            f"mirror images: {'on' if keeps else 'off'}, a linear model on the pretrained features "
            f"reads {read['mirrored']:.0%} of mirrored pictures right against {base:.0%} of the "
            f"originals: mirroring {'keeps' if keeps else 'changes'} the class (--no-flip or "
            "--flip decides instead)"
        )
    if plan.turns is None:
        keeps = plan.flip and read["turned"] >= base - TOLERANCE
        plan = dataclasses.replace(plan, turns=bool(keeps))
        reasons.append(
            f"quarter turns and upside down: {'on' if keeps else 'off'}, it reads "
            f"{read['turned']:.0%} of turned pictures right"
        )
    return plan, reasons


def choose(path, plan, largest=None):
    """`plan` with what it left as None decided from the pictures at `path`, and one line of
    reasons for each decision. `largest` caps the size (default: the plan's device's)."""
    files = image_files(path)
    reasons = []
    if plan.size is None:
        from lesson2.training.plan import max_size

        size, side = choose_size(files, largest or max_size())
        plan = dataclasses.replace(plan, size=size)
        reasons.append(
            f"size {size} px: the pictures are {side:g} px on their short side (median); "
            f"the pretrained body needs at least {MIN_SIZE} (--size decides instead)"
        )
    if plan.flip is None or plan.turns is None:
        plan, said = _orientation(plan, files)
        reasons += said
    return plan, reasons
