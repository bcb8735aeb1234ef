"""TUNING SET for the recipe's head stage: how many epochs the new head gets on the features.

    .venv/bin/python benchmarks/tune_head.py                          # ~10 min on 2 cores
    .venv/bin/python benchmarks/tune_head.py --epochs 40 80 --seeds 0 1 2 --datasets arrows

For each tuned dataset (digits, arrows, photos; `bench_own_data.py` keeps textures and letters
held out), the frozen body's features are computed once, as `lesson2 train` computes them
(`choose`, `get_dls`, `get_learner`, `precompute`: the training and validation pictures it
splits off) and for the test folder, which the recipe never sees. Then the head stage of
`fit_recipe` runs on them for each `--epochs` count and each seed (a fresh head each time,
`head_on_features` and one cycle at the recipe's `LR`, as `train_head` runs it when the budget
affords every epoch), and each head is scored on the validation and the test pictures.

For reference it also prints a logistic regression on the same (concat-pooled, standardised)
features of the training pictures: the head is one layer deeper, and regularised by dropout and
weight decay instead of an L2 penalty.
"""

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from bench_own_data import (  # one list of what is held out, one linear model
    add_tuned_datasets,
    dataset_folders,
    logistic,
)
from fastai.vision.all import set_seed

from lesson2.dataset.folders import image_files
from lesson2.training.choices import choose
from lesson2.training.data import get_dls
from lesson2.training.features import body_features, precompute
from lesson2.training.learner import get_learner
from lesson2.training.plan import LR, max_size, plan_for
from lesson2.training.recipe import head_on_features


def features(name, root):
    """The dataset's plan and features: {"train", "valid", "test": (x, y), "c": classes}."""
    train_dir, test_dir = dataset_folders(name, root)
    plan, _ = choose(train_dir, plan_for(), max_size())
    dls = get_dls(train_dir, plan)
    learn = get_learner(dls)
    with learn.no_bar(), learn.no_logging():
        feats = precompute(learn)
        test_dl = dls.test_dl(image_files(test_dir), with_labels=True)
        feats["test"] = body_features(learn, test_dl, concat=True)
    return plan, dls, feats


def head_accuracy(plan, dls, feats, epochs, seed):
    """(validation, test) accuracy of a fresh head after one cycle of `epochs` on `feats`."""
    set_seed(seed)
    learn = get_learner(dls)  # a new head, drawn from the seed
    head = head_on_features(learn, feats, plan.bs)
    with head.no_bar(), head.no_logging():
        head.fit_one_cycle(epochs, LR)
    model = head.model.eval()
    with torch.no_grad():
        return tuple(
            float((model(x).argmax(1) == y).float().mean())
            for x, y in (feats["valid"], feats["test"])
        )


def logistic_accuracy(feats, c=0.1):
    """(validation, test) accuracy of a logistic regression on the standardised features."""
    x, y = (t.numpy() for t in feats["train"])
    model = logistic(c).fit(x, y)
    return tuple(
        float(np.mean(model.predict(xs.numpy()) == ys.numpy()))
        for xs, ys in (feats["valid"], feats["test"])
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tuned_datasets(parser)
    parser.add_argument("--epochs", nargs="+", type=int, default=[40, 80])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4, 5])
    parser.add_argument("--out", type=Path, default=Path("build/own-data"))
    args = parser.parse_args()
    torch.set_num_threads(1)  # a head this small is fastest on one thread
    for name in args.datasets:
        start = time.perf_counter()
        plan, dls, feats = features(name, args.out)
        counts = ", ".join(f"{len(feats[k][1])} {k}" for k in ("train", "valid", "test"))
        print(f"\n{name} at {plan.size} px: {counts} ({time.perf_counter() - start:.0f} s)")
        for epochs in args.epochs:
            runs = [head_accuracy(plan, dls, feats, epochs, s) for s in args.seeds]
            valid, test = zip(*runs, strict=True)
            print(
                f"  head, {epochs:3d} epochs: valid {statistics.mean(valid):.1%}, test "
                f"{statistics.mean(test):.1%} (each seed: "
                f"{', '.join(f'{t:.1%}' for t in test)})",
                flush=True,
            )
        valid, test = logistic_accuracy(feats)
        print(f"  logistic regression, C=0.1: valid {valid:.1%}, test {test:.1%}")


if __name__ == "__main__":
    main()
