"""TUNING SET for the training recipe: every stage's weights scored on a tuned test folder.

    .venv/bin/python benchmarks/tune_recipe.py --datasets photos arrows --seeds 42 1   # ~7 min each

`bench_own_data.py` scores what `lesson2 train` keeps on the held-out datasets (textures,
letters). Ideas are tried here first, on the tuned ones only (digits, arrows, photos): the
recipe runs as `lesson2 train` runs it (`choose`, `get_dls`, `get_learner`, `fit_recipe` at the
whole network's top rate `lr / 2`), the head stage's final weights and each whole-network
epoch's are kept in memory, and then each is scored on the test folder, which the recipe never
sees:

* the head stage's weights, each whole-network epoch's, and the epoch `fit_recipe` kept;
* blends of the head stage's and the kept weights (`--shares`: each weight `head + share *
  (kept - head)`, weight-space ensembling as WiSE-FT does);
* the head's and the kept weights reading each test picture in several views and averaging the
  probabilities (test-time augmentation, the idea of fastai's `learn.tta`, with fixed mirror
  images and turns instead of its random augmentations): as it is and mirrored (2, where the
  pictures' choices keep mirror images), and in all four quarter turns, each mirrored too (8,
  where they keep quarter turns).

Validation accuracy is printed beside each: how far it could have told these apart. And on
the validation pictures that exactly one of the head's and the kept weights reads right: how
many each reads right, and a one-sided sign test of the kept weights' lead (a rule that keeps
the head unless that lead is more than chance would follow its p-value).
"""

import argparse
import copy
import json
import time
from pathlib import Path

import torch
from bench_own_data import add_tuned_datasets, dataset_folders  # one list of what is held out
from fastai.vision.all import Callback

from lesson2.dataset.folders import image_files
from lesson2.training.choices import choose
from lesson2.training.data import get_dls
from lesson2.training.learner import get_learner
from lesson2.training.plan import LR, max_size, plan_for
from lesson2.training.recipe import FINE_TUNE_DIV, fit_recipe


class Snapshots(Callback):
    """Copies of the weights when the whole network's fit starts and after each of its epochs
    (lr_find's trial fits, which put the weights back, are left out)."""

    order = 60  # after the Recorder (50), before BestEpoch (65): its early stop raises in
    # after_epoch, and a callback after it would miss the last epoch

    def __init__(self):
        self.states = {}

    def before_fit(self):
        if not hasattr(self.learn, "lr_finder") and "head" not in self.states:
            self.states["head"] = copy.deepcopy(self.learn.model.state_dict())

    def after_epoch(self):
        if not hasattr(self.learn, "lr_finder"):
            self.states[f"epoch {self.epoch + 1}"] = copy.deepcopy(self.learn.model.state_dict())


def tensors(dl):
    """Every (input, target) batch of `dl`, as one pair of plain tensors."""
    pairs = [(x.as_subclass(torch.Tensor), y.as_subclass(torch.Tensor)) for x, y in dl]
    return torch.cat([x for x, _ in pairs]), torch.cat([y for _, y in pairs])


@torch.no_grad()
def right(model, state, data, n_views=1, bs=64):
    """Which pictures of (x, y) `model` with weights `state` reads right, averaging the softmax
    over views."""
    x, y = data
    model.load_state_dict(state)
    model.eval()
    probs = 0
    for view in views(x, n_views):
        probs = probs + torch.cat(
            [model(view[i : i + bs]).softmax(1) for i in range(0, len(x), bs)]
        )
    return probs.argmax(1) == y


def accuracy(model, state, data, n_views=1):
    return float(right(model, state, data, n_views).float().mean())


def disagreement(kept, head):
    """On the pictures that exactly one of two models reads right (`kept`, `head`: which each
    reads right, from `right`): how many the kept weights read right, how many the head's, and
    the one-sided sign test's p-value that the kept weights are better (the chance of a lead
    this large if the two were equally good)."""
    from scipy.stats import binomtest

    kept_only, head_only = int((kept & ~head).sum()), int((head & ~kept).sum())
    n = kept_only + head_only
    p = binomtest(kept_only, n, 0.5, alternative="greater").pvalue if n else 1.0
    return {"kept only": kept_only, "head only": head_only, "p": round(float(p), 4)}


def views(x, n):
    """`x` as it is (n=1), mirrored too (2), and in all four quarter turns, each mirrored (8)."""
    if n == 1:
        return [x]
    if n == 2:
        return [x, x.flip(3)]
    turns = [torch.rot90(x, k, (2, 3)) for k in range(4)]
    return turns + [t.flip(3) for t in turns]


def blended(start, end, share):
    """Each floating-point weight `start + share * (end - start)`; counters from `end`."""
    return {
        k: torch.lerp(start[k], v, share) if v.is_floating_point() else v for k, v in end.items()
    }


def run(name, seed, root, shares):
    train_dir, test_dir = dataset_folders(name, root)
    torch.manual_seed(seed)  # the head's first weights, dropout and the batches' order
    plan, reasons = choose(train_dir, plan_for(), max_size())
    learn = get_learner(get_dls(train_dir, plan))
    snaps = Snapshots()
    start = time.perf_counter()
    with learn.added_cbs(snaps), learn.no_bar(), learn.no_logging():
        best = fit_recipe(learn, plan, LR, hi=LR / FINE_TUNE_DIV)
    seconds = time.perf_counter() - start
    states = {**snaps.states, "kept": copy.deepcopy(learn.model.state_dict())}
    for share in shares:
        states[f"blend {share}"] = blended(states["head"], states["kept"], share)
    test = tensors(learn.dls.test_dl(image_files(test_dir), with_labels=True))
    valid = tensors(learn.dls.valid)
    rows, valid_right = {}, {}
    for key, state in states.items():
        valid_right[key] = right(learn.model, state, valid)
        row = {
            "valid": float(valid_right[key].float().mean()),
            "test": accuracy(learn.model, state, test),
        }
        if key in ("head", "kept"):  # only the views the pictures' choices say keep the class
            kept = [n for n, keeps in ((2, plan.flip), (8, plan.turns)) if keeps]
            row |= {f"test, {n} views": accuracy(learn.model, state, test, n) for n in kept}
        rows[key] = row
    return {
        "dataset": name,
        "seed": seed,
        "choices": reasons,
        "stopping": best.summary(),
        "seconds": round(seconds),
        "rows": rows,
        "validation, kept against head": disagreement(valid_right["kept"], valid_right["head"]),
    }


def report(result):
    head = f"{result['dataset']}, seed {result['seed']}"
    print(f"\n{head}: {result['stopping']} ({result['seconds']} s)")
    for key, row in result["rows"].items():
        print(f"  {key:<12}" + "  ".join(f"{k} {v:.1%}" for k, v in row.items()))
    odds = result["validation, kept against head"]
    print(
        f"  validation pictures only the kept weights read right: {odds['kept only']}, only the "
        f"head's: {odds['head only']} (one-sided sign test p = {odds['p']})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_tuned_datasets(parser)
    parser.add_argument("--seeds", nargs="+", type=int, default=[42])
    parser.add_argument("--shares", nargs="*", type=float, default=[0.25, 0.5, 0.75])
    parser.add_argument("--out", type=Path, default=Path("build/own-data"))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    results = []
    for name in args.datasets:
        for seed in args.seeds:
            results.append(run(name, seed, args.out, args.shares))
            report(results[-1])
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
