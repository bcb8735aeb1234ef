"""Planted problems and their answers, to measure a cleaner: wrong labels and copies of pictures.

    from lesson2.demo.planted import planted_files, plant_copies, plant_mislabels, transform
    planted_files(path)          # the demo dataset's own: {'mislabeled': [...], 'near_duplicates'}
    moved = plant_mislabels(path, fraction=0.1, seed=0)   # names now filed under a wrong class
    copies = plant_copies(path, n=20, seed=0)            # [(original, copy), ...]
    found, strays = copies_found(find_duplicates(path), copies)
    transform(img, "mirror", rng)                          # one of TRANSFORMS

The demo web lists a few pictures under the wrong class and serves some twice, and records
them in path/planted.json as URL paths; `planted_files` turns those into the files the
downloader saved. The copies planted here are the ways a picture comes back from the web:
cropped (at least 70% of the area kept), mirrored, turned a little, recoloured, saved as a
heavy JPEG or at half size.
"""

import io
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from lesson2.atomic import atomic_path
from lesson2.dataset.download import read_manifest
from lesson2.dataset.folders import image_files
from lesson2_app.pictures import read_rgb

PLANTED = "planted.json"  # in a demo dataset's folder: what its web planted, as URL paths
TRANSFORMS = ("crop", "mirror", "rotate", "colour", "jpeg", "half size")


def _files_by_url_path(folder):
    """{'/img/circle-3': Path} for every kept file, duplicates pointing at the kept copy."""
    found = {}
    for url, row in read_manifest(folder).items():
        if row["status"] in ("ok", "duplicate") and row["file"]:
            parts = urlsplit(url)
            found[parts.path + (f"?{parts.query}" if parts.query else "")] = folder / row["file"]
    return found


def is_demo(path):
    """True for a dataset the demo web built (it carries the record of what was planted)."""
    return (Path(path) / PLANTED).is_file()


def planted_files(path):
    """{'mislabeled': [Path], 'near_duplicates': [[Path, Path]]} for a built demo dataset."""
    path = Path(path)
    if not is_demo(path):
        raise FileNotFoundError(
            f"{path / PLANTED} is missing: only the demo dataset (build_demo_dataset) has one"
        )
    planted = json.loads((path / PLANTED).read_text(encoding="utf-8"))
    result = {"mislabeled": [], "near_duplicates": []}
    for label in planted["mislabeled"]:
        files = _files_by_url_path(path / label)
        result["mislabeled"] += [files[p] for p in planted["mislabeled"][label] if p in files]
        result["near_duplicates"] += [
            [files[a], files[b]]
            for a, b in planted["near_duplicates"][label]
            if a in files and b in files
        ]
    return result


def transform(img, kind, rng):
    """`img` (RGB) changed the way `kind` says, with random strength from `rng`."""
    w, h = img.size
    if kind == "crop":
        side = np.sqrt(rng.uniform(0.7, 0.85))  # 70-85% of the area
        cw, ch = int(w * side), int(h * side)
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        return img.crop((x, y, x + cw, y + ch))
    if kind == "mirror":
        return ImageOps.mirror(img)
    if kind == "rotate":
        angle = rng.uniform(5, 10) * rng.choice([-1, 1])
        return img.rotate(angle, Image.Resampling.BICUBIC, expand=False)
    if kind == "colour":
        img = ImageEnhance.Color(img).enhance(rng.uniform(0.3, 1.7))
        return ImageEnhance.Brightness(img).enhance(rng.uniform(0.7, 1.3))
    if kind == "jpeg":
        out = io.BytesIO()
        img.save(out, "JPEG", quality=15)
        return Image.open(io.BytesIO(out.getvalue())).convert("RGB")
    if kind == "half size":
        return img.resize((max(w // 2, 1), max(h // 2, 1)), Image.Resampling.BILINEAR)
    raise ValueError(f"unknown transform {kind!r}: choose one of {', '.join(TRANSFORMS)}")


def plant_copies(path, n=20, seed=0, kinds=TRANSFORMS):
    """Save `n` transformed copies of random pictures beside them; returns (original, copy)."""
    path, rng = Path(path), np.random.default_rng(seed)
    files = image_files(path)
    pairs = []
    for k, idx in enumerate(rng.choice(len(files), n, replace=False)):
        original, kind = files[idx], kinds[k % len(kinds)]
        copy = transform(read_rgb(original), kind, rng)
        dest = original.with_name(f"{original.stem}-copy{k}.jpg")
        with atomic_path(dest) as tmp:
            copy.save(tmp, "JPEG", quality=15 if kind == "jpeg" else 90)
        pairs.append((original.relative_to(path).as_posix(), dest.relative_to(path).as_posix()))
    return pairs


def copies_found(groups, pairs):
    """(how many planted `pairs` share a group, the groups that hold no planted picture)."""
    grouped = [set(g.names) for g in groups]
    found = sum(any(set(p) <= g for g in grouped) for p in pairs)
    planted = {name for p in pairs for name in p}
    return found, [g for g in groups if not set(g.names) & planted]


def plant_mislabels(path, fraction=0.1, seed=0, biased=False):
    """Move `fraction` of the pictures into a wrong class folder; returns their new names.

    Random noise sends each picture to any other class; biased noise always to the next class
    in the vocab (as when a search engine mixes up two things in one direction).
    """
    path, rng = Path(path), np.random.default_rng(seed)
    files = image_files(path)
    classes = sorted({f.parent.name for f in files})
    moved = []
    for idx in rng.choice(len(files), round(fraction * len(files)), replace=False):
        f = files[idx]
        k = classes.index(f.parent.name)
        step = 1 if biased else int(rng.integers(1, len(classes)))
        dest = path / classes[(k + step) % len(classes)] / f"moved-{f.name}"
        os.replace(f, dest)
        moved.append(dest.relative_to(path).as_posix())
    return moved
