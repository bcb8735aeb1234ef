"""Benchmark of notebook 03's noise claim on three draws of the demo (issue items 2 and 8).

    .venv/bin/python benchmarks/bench_noise.py                 # seeds 0, 1, 2 under /tmp
    .venv/bin/python benchmarks/bench_noise.py --seeds 0 3 --dest /tmp/noise

For each data seed: the demo dataset drawn with that seed (built once, then reused), the noise
experiment of `lesson2.clean.noise` on its pretrained features (the planted mislabels left out),
the table, the sentences the notebook prints, and whether the claim holds: random noise and its
cleaning stay within noise, biased noise raises the test error and cleaning lowers it.
"""

import argparse
import tempfile
import time
from pathlib import Path

from lesson2.clean.noise import WITHIN, claim_holds, noise_on, verdict
from lesson2.demo.build import build_demo_dataset


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--dest", type=Path, default=Path(tempfile.gettempdir()) / "bench-noise")
    args = parser.parse_args(argv)
    held = []
    for seed in args.seeds:
        start = time.perf_counter()
        path = build_demo_dataset(args.dest / f"shapes-{seed}", seed=seed, progress=False)
        table = noise_on(path)
        print(f"\n## data seed {seed} ({time.perf_counter() - start:.0f} s)")
        print(table.round(3).to_string(index=False))
        print(*verdict(table), sep="\n")
        held.append(claim_holds(table))
        print("the claim holds" if held[-1] else "the claim does NOT hold")
    print(f"\nwithin noise: at most {WITHIN:.0%} of the test pictures")
    print(f"the claim holds on {sum(held)} of {len(held)} seeds")
    return 0 if all(held) else 1


if __name__ == "__main__":
    raise SystemExit(main())
