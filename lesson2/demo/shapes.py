"""Draws the offline demo classes: five outlines a person tells apart, in clutter.

    from lesson2.demo.shapes import CLASSES, draw, draw_dataset
    img = draw("pentagon", seed=3)                  # a 64x64 RGB PIL image
    paths = draw_dataset("shapes", n_per_class=100)  # shapes/pentagon/pentagon_0000.jpg ...

Every picture is a function of (label, seed) alone, so the demo dataset is the same on every
machine. Size, colour, position, rotation and background all vary, lines and blobs clutter the
background, and a bar sometimes hides part of the shape; the label is the outline. Pictures
are small (64 pixels) so that a CPU trains on a thousand of them in a minute, and at that size
a pentagon looks enough like a hexagon, and a hexagon like a circle, that the pretrained body's
features alone leave many mistakes: fine-tuning the whole network has something to do.
"""

import colorsys
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lesson2.atomic import atomic_path

CLASSES = ("circle", "square", "triangle", "pentagon", "hexagon")  # the demo's vocab
SIZE = 64  # pixels a side
SUPERSAMPLE = 4  # draw large, then shrink: smooth edges without an anti-aliasing library
GRADIENT = 16  # the background gradient is computed this small, then scaled up
CORNERS = {"triangle": 3, "square": 4, "pentagon": 5, "hexagon": 6}
SPAN = {3: 1.3, 4: 1.18, 5: 1.1, 6: 1.06}  # corner radius by corners: a similar area for each
OCCLUDED = 0.15  # share of pictures with a bar across the shape


def _colour(rng, lightness):
    """A fairly saturated colour of about the given lightness, as an RGB tuple."""
    h, s = rng.uniform(0, 1), rng.uniform(0.35, 1.0)
    r, g, b = colorsys.hls_to_rgb(h, lightness, s)
    return int(r * 255), int(g * 255), int(b * 255)


def _lightness(rng, dark):
    return rng.uniform(0.12, 0.38) if dark else rng.uniform(0.62, 0.88)


def _background(rng, size):
    """A two-colour gradient in a random direction, cluttered with faint lines and blobs; and
    whether the shape on it should be dark (the background is light) or light."""
    dark_object = rng.uniform() < 0.5
    c0 = np.array(_colour(rng, _lightness(rng, not dark_object)))
    c1 = np.array(_colour(rng, _lightness(rng, not dark_object)))
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:GRADIENT, 0:GRADIENT] / (GRADIENT - 1)
    t = (xs * math.cos(angle) + ys * math.sin(angle) + 1.5) / 3
    pixels = c0 * (1 - t[..., None]) + c1 * t[..., None]
    small = Image.fromarray(pixels.astype(np.uint8), "RGB")
    img = small.resize((size, size), Image.Resampling.BILINEAR)  # a gradient is smooth: upscale
    pen = ImageDraw.Draw(img)
    for _ in range(rng.integers(3, 8)):
        shade = tuple(int(v) for v in np.clip(c0 + rng.normal(0, 45, 3), 0, 255))
        if rng.uniform() < 0.6:
            pts = [tuple(int(v) for v in rng.uniform(0, size, 2)) for _ in range(2)]
            pen.line(pts, fill=shade, width=int(rng.integers(1, 4)) * SUPERSAMPLE)
        else:
            (cx, cy), r = rng.uniform(0, size, 2), rng.uniform(0.03, 0.08) * size
            pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill=shade)
    return img, dark_object


def _polygon(corners, cx, cy, r, angle):
    """The corners of a regular polygon centred on (cx, cy)."""
    radius = r * SPAN[corners]
    return [
        (
            cx + radius * math.cos(angle + 2 * math.pi * k / corners),
            cy + radius * math.sin(angle + 2 * math.pi * k / corners),
        )
        for k in range(corners)
    ]


def _occlude(img, rng, cx, cy, r):
    """A bar in a background shade across the shape, at a random angle and offset."""
    big = img.size[0]
    shade = np.array(img.getpixel((1, 1))) + rng.normal(0, 20, 3)
    angle, width = rng.uniform(0, math.pi), rng.uniform(0.06, 0.12) * big
    offset = rng.uniform(-0.5, 0.5) * r
    dx, dy = math.cos(angle) * big, math.sin(angle) * big
    px, py = cx - math.sin(angle) * offset, cy + math.cos(angle) * offset
    ImageDraw.Draw(img).line(
        [(px - dx, py - dy), (px + dx, py + dy)],
        fill=tuple(int(v) for v in np.clip(shade, 0, 255)),
        width=int(width),
    )


def draw(label, seed=0, size=SIZE):
    """One demo picture of `label` (one of CLASSES), the same for the same seed."""
    if label not in CLASSES:
        raise ValueError(f"unknown demo class {label!r}: choose one of {', '.join(CLASSES)}")
    rng = np.random.default_rng([CLASSES.index(label), seed])
    big = size * SUPERSAMPLE
    img, dark_object = _background(rng, big)
    r = rng.uniform(0.18, 0.34) * big
    cx, cy = (rng.uniform(r * 1.15, big - r * 1.15) for _ in range(2))
    fill = _colour(rng, _lightness(rng, dark_object))
    pen = ImageDraw.Draw(img)
    if label == "circle":
        pen.ellipse([(cx - r, cy - r), (cx + r, cy + r)], fill=fill)
    else:
        pen.polygon(_polygon(CORNERS[label], cx, cy, r, rng.uniform(0, 2 * math.pi)), fill=fill)
    if rng.uniform() < OCCLUDED:
        _occlude(img, rng, cx, cy, r)
    img = img.resize((size, size), Image.Resampling.LANCZOS)
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 0.6)))


def save_jpeg(img, path, quality=90):
    """Write `img` as a JPEG atomically (a temp file, then a rename)."""
    with atomic_path(path) as tmp:
        img.save(tmp, "JPEG", quality=quality)
    return Path(path)


def draw_dataset(dest, classes=CLASSES, n_per_class=100, size=SIZE, seed=0):
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
