"""Benchmark of the cleaner on pictures it was never tuned on: three texture classes (issue 10).

    .venv/bin/pip install cleanlab                        # AGPL: for this benchmark only
    .venv/bin/python benchmarks/bench_clean.py            # lesson size (360) and 10,000 pictures
    .venv/bin/python benchmarks/bench_clean.py --n 2000   # a smaller timing run
    .venv/bin/python benchmarks/bench_clean.py --skip-mislabels --skip-cost   # copies only

Textures (stripes, dots, clouds), unlike the demo shapes the suspects' thresholds were tuned on
and the textures of benchmarks/tune_copies.py the copy search's were tuned on. It measures:
  * mislabels: with 10% and 20% of the pictures moved to a wrong class, the fraction of them
    among the top N (N = number moved), for the in-sample loss of a head fitted on all labels
    (a model that saw the labels it scores, as a learner's own top losses), for
    `find_suspects` (out-of-fold), and for cleanlab's `find_label_issues` on the same
    out-of-fold probabilities;
  * copies: 20 transformed copies (crop, mirror, rotation, colour, JPEG q15, half size), how
    many are grouped with their original and how many groups hold no planted copy;
  * cost: features + suspects + duplicates on `--n` pictures, time and peak RSS, in a process
    of its own (so the peak is the cleaner's alone, not the quality runs').
"""

import argparse
import math
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from lesson2.clean.features import embeddings
from lesson2.clean.similar import find_duplicates
from lesson2.clean.suspects import C, find_suspects, found_fraction, out_of_fold_probs
from lesson2.demo.planted import copies_found, plant_copies, plant_mislabels
from lesson2.demo.shapes import save_jpeg

CLASSES = ("stripes", "dots", "clouds")
SIZE = 96


def texture(label, seed):
    """One texture picture of `label`, the same for the same seed."""
    rng = np.random.default_rng([CLASSES.index(label), seed])
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    if label == "stripes":
        angle, freq = rng.uniform(0, math.pi), rng.uniform(3, 9)
        t = 0.5 + 0.5 * np.sin(2 * math.pi * freq * (xs * math.cos(angle) + ys * math.sin(angle)))
    elif label == "dots":
        t = np.zeros((SIZE, SIZE))
        for _ in range(int(rng.integers(8, 30))):
            cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.03, 0.09)
            t[(xs - cx) ** 2 + (ys - cy) ** 2 < r**2] = 1
    else:
        small = rng.uniform(0, 1, (int(rng.integers(4, 9)),) * 2)
        t = np.asarray(Image.fromarray((small * 255).astype(np.uint8)).resize((SIZE, SIZE), 3))
        t = t / 255
    t = np.clip(t + rng.normal(0, 0.06, t.shape), 0, 1)[..., None]
    return Image.fromarray((c0 * (1 - t) + c1 * t).astype(np.uint8))


def generate(dest, n):
    shutil.rmtree(dest, ignore_errors=True)
    for k in range(n):
        label = CLASSES[k % 3]
        save_jpeg(texture(label, k // 3), dest / label / f"{label}_{k // 3:05d}.jpg")
    return dest


def in_sample_probs(x, y):
    """Probabilities from one head fitted on every label: the model saw what it scores."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=2000).fit(x, y).predict_proba(x)


def mislabels(root, n, fraction, seed):
    path = generate(root / f"noise-{fraction}", n)
    moved = plant_mislabels(path, fraction, seed=seed)
    t = time.perf_counter()
    table = find_suspects(path)
    seconds = time.perf_counter() - t
    emb = embeddings(path)
    vocab = sorted(set(emb.labels))
    y = np.array([vocab.index(label) for label in emb.labels])
    names = np.array(emb.names)
    loss = -np.log(in_sample_probs(emb.vectors, y)[np.arange(len(y)), y] + 1e-12)
    top_loss = names[np.argsort(-loss)][: len(moved)]
    result = {
        "in-sample loss": found_fraction(top_loss, moved),
        "find_suspects": found_fraction(table["name"].head(len(moved)), moved),
    }
    try:
        from cleanlab.filter import find_label_issues

        probs = out_of_fold_probs(emb.vectors, y)
        ranked = find_label_issues(y, probs, return_indices_ranked_by="normalized_margin")
        result["cleanlab"] = found_fraction(names[ranked][: len(moved)], moved)
        result["cleanlab flagged"] = len(ranked)
    except ImportError:
        print("cleanlab is not installed: `.venv/bin/pip install cleanlab` (AGPL, benchmark only)")
    return len(moved), seconds, result


def copies(root, n):
    path = generate(root / "copies", n)
    pairs = plant_copies(path, n=20, seed=0)
    embeddings(path)  # features, cached: the time below is the duplicate step alone
    t = time.perf_counter()
    groups = find_duplicates(path)
    seconds = time.perf_counter() - t
    found, strays = copies_found(groups, pairs)
    return found, len(pairs), strays, seconds


def cost_set(root, n):
    """`n` texture pictures with 10% mislabels and 20 copies planted, not yet seen."""
    path = generate(root / f"cost-{n}", n)
    plant_mislabels(path, 0.1, seed=0)
    plant_copies(path, n=20, seed=0)
    return path


def cost(path):
    """Seconds for features, suspects, duplicates and all three, and this process's peak RSS."""
    t = time.perf_counter()
    embeddings(path)
    features = time.perf_counter() - t
    find_suspects(path)
    suspects = time.perf_counter() - t - features
    find_duplicates(path)
    total = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return features, suspects, total - features - suspects, total, rss


def cost_apart(path):
    """`cost` in a fresh process, so that its peak RSS is the cleaner's alone (the pictures
    are made beforehand, in this one)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(cost, (path,))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="pictures for the timing run")
    parser.add_argument("--lesson", type=int, default=360, help="pictures for the quality runs")
    parser.add_argument("--skip-mislabels", action="store_true", help="no mislabel runs")
    parser.add_argument("--skip-cost", action="store_true", help="no timing run")
    args = parser.parse_args()
    root = Path(tempfile.gettempdir()) / "lesson2-bench-clean"
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    for fraction in () if args.skip_mislabels else (0.1, 0.2):
        for seed in (0, 1):
            planted, seconds, result = mislabels(root, args.lesson, fraction, seed)
            figures = ", ".join(
                f"{k} {v:.0%}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items()
            )
            print(
                f"{fraction:.0%} noise (seed {seed}, top {planted}): {figures}; "
                f"find_suspects {seconds:.1f} s"
            )
    found, planted, strays, seconds = copies(root, args.lesson)
    print(
        f"copies grouped with their original: {found}/{planted}; groups with no planted copy: "
        f"{len(strays)} {[g.names for g in strays][:3]}; duplicate step {seconds:.2f} s; "
        f"load {os.getloadavg()[0]:.2f}"
    )
    if not args.skip_cost:
        features, suspects, duplicates, total, rss = cost_apart(cost_set(root, args.n))
        print(
            f"{args.n} pictures: features {features:.0f} s, suspects {suspects:.1f} s, "
            f"duplicates {duplicates:.1f} s, total {total:.0f} s; peak RSS {rss:.0f} MB "
            "(the timing process alone)"
        )
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
