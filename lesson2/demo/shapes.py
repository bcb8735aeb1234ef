"""Draws the offline demo classes: pictures a person tells apart at a glance.

    from lesson2.demo.shapes import CLASSES, draw, draw_dataset
    img = draw("triangle", seed=3)                  # a 224x224 RGB PIL image
    paths = draw_dataset("shapes", n_per_class=100)  # shapes/triangle/triangle_0000.jpg ...

Every picture is a function of (label, seed) alone, so the demo dataset is the same on every
machine. Size, colour, position, rotation and background all vary; the label is the outline.
"""

import colorsys
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lesson2.atomic import atomic_path

CLASSES = ("circle", "square", "triangle")  # the demo's vocab
SUPERSAMPLE = 3  # draw large, then shrink: smooth edges without an anti-aliasing library
GRADIENT = 32  # the background gradient is computed this small, then scaled up


def _colour(rng, lightness):
    """A saturated colour of about the given lightness, as an RGB tuple."""
    h, s = rng.uniform(0, 1), rng.uniform(0.45, 1.0)
    r, g, b = colorsys.hls_to_rgb(h, lightness, s)
    return int(r * 255), int(g * 255), int(b * 255)


def _background(rng, size):
    """A two-colour gradient in a random direction with a few faint lines of clutter."""
    dark_object = rng.uniform() < 0.5
    c0 = np.array(_colour(rng, rng.uniform(0.7, 0.9) if dark_object else rng.uniform(0.12, 0.3)))
    c1 = np.array(_colour(rng, rng.uniform(0.7, 0.9) if dark_object else rng.uniform(0.12, 0.3)))
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:GRADIENT, 0:GRADIENT] / (GRADIENT - 1)
    t = (xs * math.cos(angle) + ys * math.sin(angle) + 1.5) / 3
    pixels = c0 * (1 - t[..., None]) + c1 * t[..., None]
    small = Image.fromarray(pixels.astype(np.uint8), "RGB")
    img = small.resize((size, size), Image.Resampling.BILINEAR)  # a gradient is smooth: upscale
    draw = ImageDraw.Draw(img)
    for _ in range(rng.integers(2, 6)):
        pts = [tuple(int(v) for v in rng.uniform(0, size, 2)) for _ in range(2)]
        shade = tuple(int(v) for v in np.clip(c0 + rng.normal(0, 25, 3), 0, 255))
        draw.line(pts, fill=shade, width=int(rng.integers(1, 4)) * SUPERSAMPLE)
    return img, dark_object


def _outline(label, cx, cy, r, angle):
    """The polygon (or bounding box, for a circle) of a shape centred on (cx, cy)."""
    if label == "circle":
        return [(cx - r, cy - r), (cx + r, cy + r)]
    corners = {"square": 4, "triangle": 3}[label]
    radius = r * (1.25 if label == "square" else 1.35)  # similar area for every class
    return [
        (
            cx + radius * math.cos(angle + 2 * math.pi * k / corners),
            cy + radius * math.sin(angle + 2 * math.pi * k / corners),
        )
        for k in range(corners)
    ]


def draw(label, seed=0, size=224):
    """One demo picture of `label` (one of CLASSES), the same for the same seed."""
    if label not in CLASSES:
        raise ValueError(f"unknown demo class {label!r}: choose one of {', '.join(CLASSES)}")
    rng = np.random.default_rng([CLASSES.index(label), seed])
    big = size * SUPERSAMPLE
    img, dark_object = _background(rng, big)
    r = rng.uniform(0.16, 0.32) * big
    cx, cy = (rng.uniform(r * 1.1, big - r * 1.1) for _ in range(2))
    outline = _outline(label, cx, cy, r, rng.uniform(0, 2 * math.pi))
    fill = _colour(rng, rng.uniform(0.15, 0.35) if dark_object else rng.uniform(0.65, 0.85))
    pen = ImageDraw.Draw(img)
    (pen.ellipse if label == "circle" else pen.polygon)(outline, fill=fill)
    img = img.resize((size, size), Image.Resampling.LANCZOS)
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 0.8)))


def save_jpeg(img, path, quality=90):
    """Write `img` as a JPEG atomically (a temp file, then a rename)."""
    with atomic_path(path) as tmp:
        img.save(tmp, "JPEG", quality=quality)
    return Path(path)


def draw_dataset(dest, classes=CLASSES, n_per_class=100, size=224, seed=0):
    """Write `n_per_class` pictures of each class to dest/<class>/; returns {class: [paths]}."""
    dest = Path(dest)
    paths = {}
    for label in classes:
        paths[label] = [
            save_jpeg(
                draw(label, seed=seed * 1_000_003 + i, size=size),
                dest / label / f"{label}_{i:04d}.jpg",
            )
            for i in range(n_per_class)
        ]
    return paths
