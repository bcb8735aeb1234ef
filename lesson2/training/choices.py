"""What the pictures decide before training: the image size, and which augmentations keep labels.

    from lesson2.training.choices import choose
    plan, reasons = choose(path, plan)   # size, flip and turns filled in where the plan left None
    print(*reasons, sep="\\n")           # 'size 128 px: the pictures are 8 px a side (median) ...'

**Size.** A pretrained body works at the sizes it was trained near: EfficientNet-Lite0 halves a
picture five times, so a 64 px picture leaves it a last activation map of 2 x 2, 96 px one of
3 x 3 and 128 px one of 4 x 4. Small pictures are scaled up to MIN_SIZE, 128: on the demo shapes
(64 px pictures) the network fine-tuned at 96 px errs far less often than at 64 px, and on small
greyscale digits and arrows (8 and 32 px) a linear model or the head on the frozen body's
features reads held-out pictures better at 128 px than at 96 px, by 2 to 12 points (measured in
benchmarks/RESULTS.md). Larger pictures are trained at their own size, rounded up to a multiple
of 32, at most the device's size (128 on a CPU, 224 on a GPU).

**Mirror images, quarter turns and crops.** fastai flips every training picture left to right
half of the time, which turns a b into a d and an arrow pointing left into one pointing right;
and `RandomResizedCrop` keeps as little as half of a picture, which can cut away what makes a
small picture's class (a handwritten 8 x 8 digit has no part to spare). Whether each keeps
labels true is measured, not assumed: a linear model learns the classes from the pretrained
body's features of some of the pictures, then reads held-out pictures as they are, mirrored,
turned a quarter, and cropped to half and to three quarters of their area. If it reads the
mirrored ones as well as the originals (within TOLERANCE), mirroring keeps the class and the
training flips; if it also reads the turned ones as well, every quarter turn and flip keeps it
(say textures, or cells under a microscope) and the training uses them all (fastai's
`flip_vert=True`). Crops keep at least the smallest share that is still read as well.
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

MIN_SIZE = 128  # pixels a side: smaller pictures are scaled up to this
STEP = 32  # sizes are multiples of this (the body's total stride)
SAMPLE = 300  # pictures the augmentation test looks at, at most
FEATURE_SIZE = 128  # pixels a side the augmentation test's features see
TOLERANCE = 0.1  # how much worse a transformed picture may be read and still keep its class
SEED = 0
CROPS = (0.5, 0.75)  # shares of a picture's area a random crop may keep, smallest first


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


def _crop(pixels, share, rng):
    """A random square crop holding `share` of the picture's area, resized back."""
    side = pixels.shape[0]
    cut = max(round(side * share**0.5), 1)
    x, y = rng.integers(0, side - cut + 1, 2)
    crop = Image.fromarray(pixels[y : y + cut, x : x + cut])
    return np.asarray(crop.resize((side, side), Image.Resampling.BILINEAR))


def augmentation_test(files, sample=SAMPLE, seed=SEED):
    """{'original', 'mirrored', 'turned', 'crop 0.5', 'crop 0.75'}: how often a linear model
    trained on the originals' features reads held-out pictures right, as they are, mirrored,
    turned a quarter, and randomly cropped to that share of their area."""
    from sklearn.linear_model import LogisticRegression

    files = _sample(files, sample, seed)
    side = (FEATURE_SIZE, FEATURE_SIZE)
    pixels = [np.asarray(read_rgb(f).resize(side, Image.Resampling.BILINEAR)) for f in files]
    labels = np.array([f.parent.name for f in files])
    held = np.random.default_rng(seed).permutation(len(files))[: len(files) // 3]
    train = np.setdiff1d(np.arange(len(files)), held)
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(_features([pixels[i] for i in train]), labels[train])
    rng = np.random.default_rng(seed)
    views = {
        "original": [pixels[i] for i in held],
        "mirrored": [p[:, ::-1].copy() for p in (pixels[i] for i in held)],
        "turned": [np.rot90(p).copy() for p in (pixels[i] for i in held)],
        **{f"crop {s}": [_crop(pixels[i], s, rng) for i in held] for s in CROPS},
    }
    return {
        name: float((model.predict(_features(view)) == labels[held]).mean())
        for name, view in views.items()
    }


def _augmentation(plan, files):
    """The plan's flip, turns and min_scale decided by `augmentation_test`, and the reasons."""
    read = augmentation_test(files)
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
    if plan.min_scale is None:
        kept = [s for s in CROPS if read[f"crop {s}"] >= base - TOLERANCE]
        scale = kept[0] if kept else 1.0
        plan = dataclasses.replace(plan, min_scale=scale)
        read_crops = ", ".join(f"{read[f'crop {s}']:.0%} cut to {s:.0%}" for s in CROPS)
        reasons.append(
            f"random crops keep at least {scale:.0%} of a picture: it reads {read_crops} of "
            "their area right"
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
            f"the pretrained body reads pictures of at least {MIN_SIZE} well "
            "(--size decides instead)"
        )
    if None in (plan.flip, plan.turns, plan.min_scale):
        plan, said = _augmentation(plan, files)
        reasons += said
    return plan, reasons
