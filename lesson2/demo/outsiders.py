"""Pictures the demo model was never trained on, to test whether it knows what it does not know.

    from lesson2.demo.outsiders import real_photos, near_shapes
    photos = real_photos()          # {name: RGB image}: scikit-image's bundled photos (a cat, ...)
    shapes = near_shapes(n=30)      # [(shape, RGB image)]: stars, crosses, ... in the demo's style

Real photos are far from the demo's classes; near-domain shapes are the hard case: the same
backgrounds, clutter, colours and drawing, only the outline is none of the demo's classes.
"""

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lesson2.demo.shapes import SIZE, SUPERSAMPLE, _background, _colour, _lightness

PHOTOS = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "camera",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "text",
    "retina",
    "coins",
    "horse",
)
NEAR = ("star", "cross", "crescent", "ring")  # outlines in the demo's style, not its classes


def real_photos(names=PHOTOS):
    """{name: RGB PIL image} of scikit-image's bundled pictures (no download: inside the wheel)."""
    try:
        import skimage.data
    except ImportError as e:
        raise ImportError("real_photos needs scikit-image: pip install scikit-image") from e
    photos = {}
    for name in names:
        arr = getattr(skimage.data, name)()
        if arr.dtype != np.uint8:  # bool or float pictures
            arr = (np.asarray(arr, dtype=np.float64) * (255 if arr.max() <= 1 else 1)).astype(
                np.uint8
            )
        photos[name] = Image.fromarray(arr).convert("RGB")
    return photos


def _polygon(shape, cx, cy, r, angle):
    if shape == "star":
        radii, corners = (r * 1.4, r * 0.6), 10
    else:  # cross: twelve corners of a plus sign
        a, b = r * 1.3, r * 0.45
        pts = [
            (b, a),
            (b, b),
            (a, b),
            (a, -b),
            (b, -b),
            (b, -a),
            (-b, -a),
            (-b, -b),
            (-a, -b),
            (-a, b),
            (-b, b),
            (-b, a),
        ]
        c, s = math.cos(angle), math.sin(angle)
        return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in pts]
    return [
        (
            cx + radii[k % 2] * math.cos(angle + 2 * math.pi * k / corners),
            cy + radii[k % 2] * math.sin(angle + 2 * math.pi * k / corners),
        )
        for k in range(corners)
    ]


def draw_near(shape, seed=0, size=SIZE):
    """One picture of `shape` (one of NEAR) drawn the way lesson2.demo.shapes draws the classes."""
    if shape not in NEAR:
        raise ValueError(f"unknown near-domain shape {shape!r}: choose one of {', '.join(NEAR)}")
    rng = np.random.default_rng([100 + NEAR.index(shape), seed])
    big = size * SUPERSAMPLE
    img, dark_object = _background(rng, big)
    r = rng.uniform(0.18, 0.34) * big
    cx, cy = (rng.uniform(r * 1.4, big - r * 1.4) for _ in range(2))
    fill = _colour(rng, _lightness(rng, dark_object))
    pen = ImageDraw.Draw(img)
    if shape in ("crescent", "ring"):  # a disc with a bite, or its middle, taken out
        empty, dx = img.copy(), (r * 0.55 if shape == "crescent" else 0)
        pen.ellipse([(cx - r, cy - r), (cx + r, cy + r)], fill=fill)
        mask, hole = Image.new("L", img.size, 0), (r if shape == "crescent" else r * 0.55)
        ImageDraw.Draw(mask).ellipse(
            [(cx - hole + dx, cy - hole), (cx + hole + dx, cy + hole)], fill=255
        )
        img.paste(empty, (0, 0), mask)
    else:
        pen.polygon(_polygon(shape, cx, cy, r, rng.uniform(0, 2 * math.pi)), fill=fill)
    img = img.resize((size, size), Image.Resampling.LANCZOS)
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0, 0.6)))


def near_shapes(n=40, size=SIZE, shapes=NEAR):
    """[(shape, RGB image)]: `n` pictures, cycling through `shapes`."""
    return [
        (shapes[i % len(shapes)], draw_near(shapes[i % len(shapes)], i, size)) for i in range(n)
    ]
