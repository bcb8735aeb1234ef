"""Datasets unlike the demo, made offline, to measure training and cleaning on data nobody tuned.

    from lesson2.demo.datasets import DATASETS, make_dataset
    train, test = make_dataset("digits", "build/own")   # build/own/digits/{train,test}/<class>/
    DATASETS["letters"].note                            # what it is, and why it is hard

Each maker writes a training folder of class folders (what a student would hand to
`lesson2 train`) and a test folder drawn apart from it, so that a test picture is never a crop
or a copy of a training one:

    digits    scikit-learn's 8x8 greyscale handwritten digits, 10 classes (inside its wheel)
    textures  32x32 greyscale crops of four of scikit-image's photos (brick, grass, gravel, the
              moon); test crops come from a part of each photo no training crop touches
    letters   b, d, p and q drawn in Pillow's own font, 28x28: a mirror turns b into d
    arrows    arrows pointing left, right, up or down in colour, 48x48: a mirror turns left into
              right
    photos    32x32 crops of four other scikit-image photos (coins, a clock, coffee, a rocket) in
              grey, test crops drawn apart as the textures' are
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lesson2.atomic import atomic_path


@dataclass(frozen=True)
class Spec:
    """How one dataset is made, and what it is like."""

    maker: str  # the function below that draws it
    note: str


DATASETS = {
    "digits": Spec("_digits", "8x8 greyscale handwriting, 10 classes: tiny pictures"),
    "textures": Spec("_textures", "32x32 greyscale photo crops, 4 classes: no objects at all"),
    "letters": Spec("_letters", "28x28 greyscale b, d, p, q: mirror images change the class"),
    "arrows": Spec("_arrows", "48x48 colour arrows, 4 directions: mirror images change the class"),
    "photos": Spec("_photos", "32x32 grey crops of four photos, 4 classes: test from elsewhere"),
}


def _save(img, path):
    with atomic_path(path) as tmp:
        img.save(tmp, "PNG")


def _write(dest, pictures):
    """Save {(split, label): [PIL images]} under dest/<split>/<label>/<label>_0000.png."""
    for (split, label), imgs in pictures.items():
        for i, img in enumerate(imgs):
            _save(img, Path(dest) / split / label / f"{label}_{i:04d}.png")


def _digits(rng, n_test):
    from sklearn.datasets import load_digits

    digits = load_digits()
    pictures = {}
    for i in rng.permutation(len(digits.target)):
        label = str(digits.target[i])
        img = Image.fromarray((digits.images[i] * 255 / 16).round().astype(np.uint8), "L")
        test = len(pictures.setdefault(("test", label), [])) < n_test
        pictures.setdefault(("test" if test else "train", label), []).append(img)
    return pictures


TEXTURES = ("brick", "grass", "gravel", "moon")
PHOTOS = ("coins", "clock", "coffee", "rocket")
CROP = 32


def _textures(rng, n_test, n_train=150):
    return _crops(rng, TEXTURES, n_test, n_train)


def _photos(rng, n_test, n_train=150):
    return _crops(rng, PHOTOS, n_test, n_train)


def _crops(rng, names, n_test, n_train):
    """Grey crops of scikit-image's photos `names`: training crops from the left three quarters
    of each photo, test crops from the right."""
    import skimage.data

    pictures = {}
    for label in names:
        photo = getattr(skimage.data, label)()
        if photo.ndim == 3:  # a colour photo: its grey levels, as the textures have
            photo = np.asarray(Image.fromarray(photo).convert("L"))
        h, w = photo.shape
        cut = w * 3 // 4
        for split, n, (lo, hi) in (
            ("train", n_train, (0, cut - CROP)),
            ("test", n_test, (cut, w - CROP)),
        ):
            imgs = []
            for _ in range(n):
                x, y = int(rng.integers(lo, hi + 1)), int(rng.integers(0, h - CROP + 1))
                imgs.append(Image.fromarray(photo[y : y + CROP, x : x + CROP], "L"))
            pictures[(split, label)] = imgs
    return pictures


LETTERS = ("b", "d", "p", "q")


def _letter(label, rng, size=28):
    font = ImageFont.load_default(size=int(rng.integers(16, 24)))
    big = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(big).text((size, size), label, fill=255, font=font, anchor="mm")
    big = big.rotate(rng.uniform(-12, 12), Image.Resampling.BILINEAR)
    dx, dy = rng.integers(-4, 5, 2)
    box = (size // 2 + dx, size // 2 + dy, size // 2 + dx + size, size // 2 + dy + size)
    return big.crop(box)


def _letters(rng, n_test, n_train=150):
    return {
        (split, label): [_letter(label, rng) for _ in range(n)]
        for label in LETTERS
        for split, n in (("train", n_train), ("test", n_test))
    }


ARROWS = {"right": 0, "up": 90, "left": 180, "down": 270}


def _arrow(label, rng, size=48):
    img = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 256, 3)))
    length, width = rng.uniform(0.5, 0.8) * size, rng.uniform(0.08, 0.16) * size
    tip = [
        (length / 2, 0),
        (length / 2 - width * 2, width * 1.6),
        (length / 2 - width * 2, -width * 1.6),
    ]
    shaft = [
        (-length / 2, -width / 2),
        (length / 2 - width * 2, -width / 2),
        (length / 2 - width * 2, width / 2),
        (-length / 2, width / 2),
    ]
    angle = math.radians(ARROWS[label] + rng.uniform(-15, 15))
    cx, cy = size / 2 + rng.uniform(-5, 5), size / 2 + rng.uniform(-5, 5)

    def place(points):  # y grows downwards on screen: "up" turns the arrow anticlockwise
        c, s = math.cos(angle), math.sin(angle)
        return [(cx + x * c + y * s, cy - x * s + y * c) for x, y in points]

    colour = tuple(int(v) for v in rng.integers(0, 256, 3))
    pen = ImageDraw.Draw(img)
    pen.polygon(place(shaft), fill=colour)
    pen.polygon(place(tip), fill=colour)
    return img


def _arrows(rng, n_test, n_train=120):
    return {
        (split, label): [_arrow(label, rng) for _ in range(n)]
        for label in ARROWS
        for split, n in (("train", n_train), ("test", n_test))
    }


def make_dataset(name, dest, seed=0, n_test=40):
    """Draw dataset `name` (one of DATASETS) under dest/name/; returns (train, test) folders.

    Made once: a folder already there is returned as it is."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    root = Path(dest) / name
    train, test = root / "train", root / "test"
    if not (train.is_dir() and test.is_dir()):
        rng = np.random.default_rng([seed, list(DATASETS).index(name)])
        _write(root, globals()[DATASETS[name].maker](rng, n_test))
    return train, test
