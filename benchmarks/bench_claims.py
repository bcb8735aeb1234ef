"""Do notebook 02's claims hold on other demo seeds? Builds the demo for each data seed, then runs
notebook 02's computations on it: the pitfalls (`claims`), and the stages of the recipe (the head
alone, then the whole network until the error rate stops improving), with the validation set's
size. Prints one table; benchmarks/RESULTS.md records it.

    python benchmarks/bench_claims.py                 # seeds 0 1 2, about 5 minutes each on 2 CPUs
    python benchmarks/bench_claims.py --seeds 3 4 --no-stages
"""

import argparse
import tempfile
import time
from pathlib import Path

from lesson2.demo.build import build_demo_dataset
from lesson2.demo.planted import planted_files
from lesson2.training.choices import choose
from lesson2.training.data import get_dls
from lesson2.training.features import precompute
from lesson2.training.learner import get_learner
from lesson2.training.pitfalls import claims, run_pitfalls
from lesson2.training.plan import LR, plan_for
from lesson2.training.recipe import affordable_epochs, find_lr, time_steps, top_from, train_head
from lesson2.training.stopping import BestEpoch

NOTEBOOK_MINUTES = 3  # notebook 02's budget for both stages


def stages(learn, plan):
    """Notebook 02's lines: the head at LR on features computed once (`train_head`), then the
    whole network with top_from(lr_find), one budget for both. Returns both stages' BestEpoch."""
    with learn.no_bar(), learn.no_logging():
        deadline = time.monotonic() + 60 * plan.minutes
        head = train_head(learn, plan, LR, deadline)
        learn.unfreeze()
        hi = top_from(find_lr(learn, show_plot=False), LR)
        left = deadline - time.monotonic()
        epochs = affordable_epochs(learn, time_steps(learn), left, plan.max_epochs)
        best = BestEpoch(plan.patience, deadline)
        learn.fit_one_cycle(epochs, slice(hi / 10, hi), cbs=best)
    return head, best


def run_seed(seed, root, with_stages):
    path = build_demo_dataset(root / f"seed{seed}", seed=seed, progress=False)
    plan, _ = choose(path, plan_for("cpu", minutes=NOTEBOOK_MINUTES), largest=128)
    dls = get_dls(path, plan, device="cpu")
    learn = get_learner(dls)
    planted = planted_files(path)["mislabeled"]
    shown = claims(run_pitfalls(precompute(learn, exclude=planted)))
    row = {"seed": seed, "valid": len(dls.valid_ds), "claims": shown}
    if with_stages:
        head, best = stages(learn, plan)
        row["stage1"], row["head stopping"] = head.error, head.summary()
        row["stage2"], row["stopping"] = best.error, best.summary()
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--no-stages", action="store_true", help="the pitfalls only (quick)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_seed(s, Path(tmp), not args.no_stages) for s in args.seeds]
    for row in rows:
        failed = [c for c, ok in row["claims"].items() if not ok]
        print(f"seed {row['seed']}: {row['valid']} validation pictures")
        print(f"  pitfall claims: {len(row['claims']) - len(failed)}/{len(row['claims'])} hold")
        for claim in failed:
            print(f"  FAILS: {claim}")
        if "stage1" in row:
            lower = "lower" if row["stage2"] < row["stage1"] else "NOT lower"
            print(
                f"  stage 1 error {row['stage1']:.1%}, stage 2 {row['stage2']:.1%} ({lower})\n"
                f"  the head: {row['head stopping']}\n  the whole network: {row['stopping']}"
            )


if __name__ == "__main__":
    main()
