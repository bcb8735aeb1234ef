"""Benchmark of the image cleaner on 10,000 generated images (issue 4).

    .venv/bin/python benchmarks/bench_clean.py            # about 3 minutes on 2 CPU cores
    .venv/bin/python benchmarks/bench_clean.py --n 3000   # a smaller run

Measures, on a dataset of small drawn shapes with planted problems (copies of a picture filed
under another class, re-encoded smaller copies, byte-identical copies):
  * the duplicate search: time, peak Python memory (tracemalloc) and the process's peak RSS,
    and which planted copies it groups;
  * with a small model's losses: the time until the cleaner's first page is built, a page turn,
    and the fraction of planted mislabels among the top suspects.
The dataset is generated once into the temp dir and reused; generating is not timed.
"""

import argparse
import io
import json
import resource
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from lesson2.shapes import CLASSES, draw, save_jpeg
from lesson2.similar import find_duplicates

SIZE = 64  # pixels a side
PLANTED = 0.01  # fraction of images planted as each kind of problem


def generate(dest, n):
    """n images in dest/<class>/ with 1% mislabels, 1% near copies, 1% exact copies."""
    rng = np.random.default_rng(0)
    k = int(n * PLANTED)
    per_class = (n - 3 * k) // len(CLASSES)
    planted = {"mislabeled": [], "near": [], "exact": []}
    bar = tqdm(total=n, desc="generating", unit="img")
    for label in CLASSES:
        for i in range(per_class):
            save_jpeg(draw(label, seed=i, size=SIZE), dest / label / f"{label}_{i:05d}.jpg")
            bar.update()
    for j in range(k):
        true, filed = rng.choice(len(CLASSES), 2, replace=False)
        name = f"{CLASSES[filed]}/wrong_{j:04d}.jpg"
        save_jpeg(draw(CLASSES[true], seed=per_class + j, size=SIZE), dest / name)
        planted["mislabeled"].append(name)
        label, i = CLASSES[j % 3], int(rng.integers(per_class))
        original = f"{label}/{label}_{i:05d}.jpg"
        near = _near_copy(dest / original)
        save_jpeg(near, dest / f"{label}/near_{j:04d}.jpg", quality=75)
        planted["near"].append((original, f"{label}/near_{j:04d}.jpg"))
        label, i = CLASSES[(j + 1) % 3], int(rng.integers(per_class))
        shutil.copy(dest / f"{label}/{label}_{i:05d}.jpg", dest / f"{label}/copy_{j:04d}.jpg")
        planted["exact"].append((f"{label}/{label}_{i:05d}.jpg", f"{label}/copy_{j:04d}.jpg"))
        bar.update(3)
    bar.close()
    (dest / "planted.json").write_text(json.dumps(planted))
    return planted


def _near_copy(fname):
    with Image.open(fname) as img:
        out = io.BytesIO()
        img.resize((SIZE - 8, SIZE - 8), Image.Resampling.BICUBIC).save(out, "JPEG", quality=70)
        return Image.open(io.BytesIO(out.getvalue())).resize((SIZE, SIZE))


def dataset(n):
    """The cached benchmark dataset of `n` images and its planted problems."""
    dest = Path(tempfile.gettempdir()) / f"lesson2-bench-clean-{n}"
    if (dest / "planted.json").exists():
        return dest, json.loads((dest / "planted.json").read_text())
    shutil.rmtree(dest, ignore_errors=True)
    return dest, generate(dest, n)


def bench_duplicates(path, planted):
    start = time.perf_counter()
    groups = find_duplicates(path, progress=False)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    tracemalloc.start()  # a second run: tracing slows Python down, so it is not timed
    find_duplicates(path, progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    together = {frozenset(p) for g in groups for p in _pairs(g.names)}
    near = sum(frozenset(p) in together for p in planted["near"]) / len(planted["near"])
    exact = sum(frozenset(p) in together for p in planted["exact"]) / len(planted["exact"])
    planted_pairs = {frozenset(p) for p in planted["near"] + planted["exact"]}
    true_groups = sum(any(frozenset(p) in planted_pairs for p in _pairs(g.names)) for g in groups)
    top = groups[: len(planted_pairs)]
    in_top = sum(any(frozenset(p) in planted_pairs for p in _pairs(g.names)) for g in top)
    return {
        "duplicate search (s)": seconds,
        "duplicate search peak Python memory (MB)": peak / 1e6,
        "process peak RSS after the search, torch not loaded (MB)": rss,
        "planted near copies grouped": near,
        "planted exact copies grouped": exact,
        "groups that are planted copies": true_groups / max(len(groups), 1),
        f"planted copies among the top {len(top)} groups": in_top / max(len(top), 1),
    }


def _pairs(names):
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]


def bench_suspects(path, planted, train_per_class=100, epochs=1):
    """Train a small model on a sample, score every image, time the cleaner's first page."""
    from fastai.vision.all import set_seed

    from lesson2.cleaner import ImageCleaner
    from lesson2.suspects import found_fraction, image_losses, rank
    from lesson2.train import get_dls, get_learner

    sample = Path(tempfile.mkdtemp(prefix="lesson2-bench-sample-"))
    for label in CLASSES:
        (sample / label).mkdir()
        for f in sorted((path / label).glob(f"{label}_*.jpg"))[:train_per_class]:
            shutil.copy(f, sample / label / f.name)
    set_seed(0)
    learn = get_learner(get_dls(sample, size=SIZE, bs=32, num_workers=0))
    with learn.no_bar(), learn.no_logging():
        learn.fine_tune(epochs)
    files = sorted(f for f in path.glob("*/*.jpg"))
    start = time.perf_counter()
    table = image_losses(learn, path, files=files)
    scoring = time.perf_counter() - start
    start = time.perf_counter()
    cleaner = ImageCleaner(path, table, page_size=12)
    first_page = time.perf_counter() - start
    start = time.perf_counter()
    cleaner.next.click()
    next_page = time.perf_counter() - start
    k = len(planted["mislabeled"])
    ranked = rank(table, "loss")["name"]
    shutil.rmtree(sample)
    return {
        "scoring every image with the model (s)": scoring,
        "cleaner's first page, losses known (s)": first_page,
        "next page (s)": next_page,
        f"planted mislabels in the top {k} by loss": found_fraction(
            ranked.head(k), planted["mislabeled"]
        ),
        f"planted mislabels in the top {2 * k} by loss": found_fraction(
            ranked.head(2 * k), planted["mislabeled"]
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="images in the dataset")
    parser.add_argument("--no-model", action="store_true", help="only the duplicate search")
    args = parser.parse_args()
    path, planted = dataset(args.n)
    results = {"images": float(args.n), **bench_duplicates(path, planted)}
    if not args.no_model:
        results.update(bench_suspects(path, planted))
    print(f"\n| measure ({args.n} images of {SIZE}px, 2-core CPU) | value |\n|---|---|")
    for name, value in results.items():
        shown = f"{value:.0%}" if name.startswith(("planted", "groups")) else f"{value:.3g}"
        print(f"| {name} | {shown} |")


if __name__ == "__main__":
    main()
