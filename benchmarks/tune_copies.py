"""TUNING SET for the copy search: textures unlike bench_clean.py's, to tune on (issue 10).

    .venv/bin/python benchmarks/tune_copies.py          # copies found, false groups, time

`bench_clean.py` measures the copy search on stripes, dots and clouds it was never tuned on.
The thresholds of `lesson2.clean.similar` are tuned here instead, on four other generated
families (checks, rings, scratches, speckles) with other seeds, so that the benchmark's figure
stays a held-out one. Three plantings of 20 transformed copies (seeds 1, 2, 3), 360 pictures each.
"""

import argparse
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lesson2.clean.similar import find_duplicates
from lesson2.demo.planted import copies_found, plant_copies
from lesson2.demo.shapes import save_jpeg

FAMILIES = ("checks", "rings", "scratches", "speckles")
SIZE = 112  # not the benchmark's 96


def texture(family, seed):
    """One tuning picture of `family`, the same for the same seed."""
    rng = np.random.default_rng([1000 + FAMILIES.index(family), seed])
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    if family == "checks":
        angle, freq = rng.uniform(0, math.pi), rng.uniform(2, 6)
        u = xs * math.cos(angle) + ys * math.sin(angle)
        v = -xs * math.sin(angle) + ys * math.cos(angle)
        t = ((np.floor(u * freq) + np.floor(v * freq)) % 2).astype(float)
    elif family == "rings":
        cx, cy, freq = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(4, 12)
        t = 0.5 + 0.5 * np.cos(2 * math.pi * freq * np.hypot(xs - cx, ys - cy))
    elif family == "scratches":
        img = Image.new("L", (SIZE, SIZE), 0)
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(6, 20))):
            x0, y0, x1, y1 = rng.uniform(0, SIZE, 4)
            draw.line((x0, y0, x1, y1), fill=255, width=int(rng.integers(1, 5)))
        t = np.asarray(img) / 255
    else:
        noise = (rng.uniform(0, 1, (SIZE, SIZE)) * 255).astype(np.uint8)
        blur = Image.fromarray(noise).filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 4)))
        t = np.asarray(blur) / 255
        t = np.clip((t - t.mean()) / (t.std() + 1e-6) * 0.25 + 0.5, 0, 1)
    t = np.clip(t + rng.normal(0, 0.05, t.shape), 0, 1)[..., None]
    return Image.fromarray((c0 * (1 - t) + c1 * t).astype(np.uint8))


def generate(dest, n):
    shutil.rmtree(dest, ignore_errors=True)
    for k in range(n):
        family = FAMILIES[k % len(FAMILIES)]
        save_jpeg(texture(family, k // 4), dest / family / f"{family}_{k // 4:05d}.jpg")
    return dest


def measure(path, pairs):
    """(copies grouped with their original, groups holding no planted copy, seconds)."""
    t = time.perf_counter()
    groups = find_duplicates(path)
    seconds = time.perf_counter() - t
    return *copies_found(groups, pairs), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=360, help="pictures per planting")
    args = parser.parse_args()
    root = Path(tempfile.gettempdir()) / "lesson2-tune-copies"
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    total = 0
    for seed in (1, 2, 3):
        path = generate(root / f"seed-{seed}", args.n)
        pairs = plant_copies(path, n=20, seed=seed)
        find_duplicates(path)  # features, cached: the time below is the duplicate step alone
        found, strays, seconds = measure(path, pairs)
        total += found
        print(
            f"tuning seed {seed}: copies grouped with their original: {found}/{len(pairs)}; "
            f"groups with no planted copy: {len(strays)} {[g.names for g in strays][:3]}; "
            f"duplicate step {seconds:.2f} s"
        )
    print(f"tuning set: {total}/60 copies found; load {os.getloadavg()[0]:.2f} (1 min)")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
