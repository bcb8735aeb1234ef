"""Everything the GPU changes, measured in one run: the parts `benchmarks/gpu.sh` runs.

    bash benchmarks/gpu.sh OUT                # on a GPU machine: installs .whl/, runs each part
    bash benchmarks/gpu.sh OUT --dry-run      # here: the same parts on the CPU, tiny sizes
    python benchmarks/bench_gpu.py OUT --part cleaner --work /tmp/w   # one part, as gpu.sh does

Each part writes OUT/<part>.json (gpu.sh runs each under its own timeout, then `--summary`):

  env          versions, the device, where lesson2 was imported from, `lesson2 doctor`'s checks
  train_bench  bench_train.py's GPU half: end-to-end training images/s as a fraction of
               synthetic batches already on the GPU (target >= 0.8), and against fastai's fp32
               defaults at the same size and batch (target >= 3x); each epoch's images/s, and
               the synthetic batches in fp32 too
  notebook02   notebook 02's GPU plan end to end: `lesson2.training.train.train` on the demo
               dataset with plan_for("cuda") (size and flips from the pictures, bs 64, the head
               on features, then the whole network), its budget cut to NOTEBOOK_MINUTES so the
               part fits its share; both exports
  cleaner      the cleaner's feature step, `lesson2.clean.features.embeddings`, cold: as it runs
               today (pretrained Lite0 on the CPU) and with a learner's body on the GPU, on the
               demo and on train_bench's bigger drawn set; on the demo, the largest difference
               between that body's features on the GPU and on the CPU
"""

import argparse
import dataclasses
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from importlib import metadata
from pathlib import Path

VERSIONS = ["torch", "torchvision", "fastai", "fastcore", "timm", "numpy", "pillow", "onnx"]
VERSIONS += ["onnxruntime", "lesson2"]
BIG = 2000  # pictures per class of train_bench's drawn set: 94 batches an epoch at bs 64
CPU_SUBSET = 500  # per class: the CPU feature extractor gets this many of the big set
TINY = {"size": 32, "bs": 8}  # the dry run's plan changes: every step runs, in seconds
NOTEBOOK_MINUTES = 1.5  # the notebook02 part's training budget (the GPU plan's is 10 minutes)


def save(out, part, figures):
    path = Path(out) / f"{part}.json"
    path.write_text(json.dumps(figures, indent=1, default=str) + "\n")
    print(f"wrote {path}")


def _no_bars():
    """No progress bars (a device call returns only the end of the output): epochs still print
    a line each, from fastai's Recorder."""
    from fastai.callback.progress import ProgressCallback
    from fastai.learner import defaults

    defaults.callbacks = [cb for cb in defaults.callbacks if cb is not ProgressCallback]


def part_env(out, work, dry_run):
    """What the run measures on; refuses (exit 3) a real run without CUDA."""
    import torch

    import lesson2
    from lesson2.training.doctor import checks
    from lesson2.training.plan import describe_device

    cuda = torch.cuda.is_available()
    figures = {
        "dry_run": dry_run,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "cuda_available": cuda,
        "torch_cuda": torch.version.cuda,
        "device": describe_device(),
        "gpu_memory_gb": torch.cuda.get_device_properties(0).total_memory / 1e9 if cuda else None,
        "versions": {name: _version(name) for name in VERSIONS},
        "lesson2_imported_from": str(Path(lesson2.__file__).parent),
        "doctor": [dataclasses.asdict(c) for c in checks()],
    }
    save(out, "env", figures)
    if not cuda and not dry_run:
        print("no CUDA device is visible: nothing to measure (use --dry-run to rehearse)")
        sys.exit(3)


def _version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def part_train_bench(out, work, dry_run):
    import bench_train  # beside this script

    _no_bars()
    if dry_run:
        figures = bench_train.bench_gpu(1, 6, path=work / "big", device="cpu", **TINY)
    else:
        figures = bench_train.bench_gpu(2, BIG, path=work / "big")
    save(out, "train_bench", {"dry_run": dry_run, **figures})


def _demo(work, dry_run):
    from lesson2.demo.build import build_demo_dataset

    if dry_run:  # 10 a class, and the stalled URL gives up after 2 s
        return build_demo_dataset(work / "shapes", n_per_class=10, timeout=2.0, progress=False)
    return build_demo_dataset(work / "shapes", progress=False)


def part_notebook02(out, work, dry_run):
    from lesson2.training.plan import plan_for
    from lesson2.training.train import train

    _no_bars()
    start = time.perf_counter()
    path = _demo(work, dry_run)
    built = time.perf_counter() - start
    tiny = TINY | {"freeze_epochs": 1, "epochs": 1}
    plan = plan_for("cuda", **(tiny if dry_run else {"minutes": NOTEBOOK_MINUTES}))
    start = time.perf_counter()
    done = train(path, plan, out=work / "models" / "shapes.pkl")
    total = time.perf_counter() - start
    figures = {
        "dry_run": dry_run,
        "plan": dataclasses.asdict(plan),
        "build_demo_s": built,
        "train_s": done.seconds,
        "train_images_per_s": done.images_seen / done.seconds,
        "exports_and_setup_s": total - done.seconds,  # choices, learner, exports, baseline
        "error_rate": done.error_rate,
        "stopping": done.stopping,  # which epoch was kept, and why training stopped
        "frozen_features_error": done.baseline_error,  # the linear model's, same pictures
        "pictures": len(done.learn.dls.train_ds) + len(done.learn.dls.valid_ds),
        "onnx_mb": done.onnx.stat().st_size / 2**20,
    }
    save(out, "notebook02", figures)


def _cold(path, learn=None):
    """Seconds of `embeddings(path, learn)` with no cache, and the features."""
    from lesson2.clean.features import CACHE, embeddings

    shutil.rmtree(path / CACHE, ignore_errors=True)
    start = time.perf_counter()
    emb = embeddings(path, learn)
    return time.perf_counter() - start, emb


def _subset(path, dest, per_class):
    """dest: links to the first `per_class` pictures of each class of `path`."""
    from lesson2.dataset.folders import class_files, class_folders

    for folder in class_folders(path):
        (dest / folder.name).mkdir(parents=True, exist_ok=True)
        for file in class_files(folder)[:per_class]:
            link = dest / folder.name / file.name
            if not link.exists():
                link.symlink_to(file)
    return dest


def part_cleaner(out, work, dry_run):
    import bench_train  # beside this script
    import numpy as np

    from lesson2.training.data import get_dls
    from lesson2.training.learner import get_learner
    from lesson2.training.plan import pick_device, plan_for

    _no_bars()
    device = pick_device()
    demo = _demo(work, dry_run)
    big = work / "big"
    if not big.is_dir():  # train_bench draws it; alone, this part draws its own
        bench_train.draw_on_every_core(big, 6 if dry_run else BIG)
    sets = {"demo": demo, "big": big}
    figures = {"dry_run": dry_run, "device": str(device)}
    for name, path in sets.items():
        learn = get_learner(get_dls(path, plan_for(device, **(TINY if dry_run else {}))))
        gpu_s, on_gpu = _cold(path, learn)  # the learner's (pretrained) body, on its device
        subset = path if name == "demo" else _subset(path, work / "big-cpu", CPU_SUBSET)
        cpu_s, on_cpu = _cold(subset)  # what the cleaner does today
        n_cpu = len(on_cpu.names)
        figures[name] = {
            "pictures": len(on_gpu.names),
            "learner_body_s": gpu_s,
            "learner_body_pictures_per_s": len(on_gpu.names) / gpu_s,
            "default_cpu_pictures": n_cpu,
            "default_cpu_s": cpu_s,
            "default_cpu_pictures_per_s": n_cpu / cpu_s,
        }
        if name == "demo":  # the same body on the CPU: what the device changes in the features
            _, same_on_cpu = _cold(path, _on_cpu(learn))
            difference = np.abs(on_gpu.vectors - same_on_cpu.vectors).max()
            figures[name]["max_feature_difference_device_vs_cpu"] = float(difference)
        save(out, "cleaner", figures)  # after each set: a timeout keeps what was measured


def _on_cpu(learn):
    """The learner with its model on the CPU (its DataLoaders are not used by `embeddings`)."""
    learn.model.cpu()
    return learn


RUN = {
    "env": part_env,
    "train_bench": part_train_bench,
    "notebook02": part_notebook02,
    "cleaner": part_cleaner,
}
HEADLINES = {  # part: [(key, label)] printed by --summary
    "env": [("device", "device"), ("python", "python")],
    "train_bench": [
        ("ours_images_per_s", "lesson2 end to end, images/s"),
        ("fraction_of_synthetic", "of the synthetic on-GPU limit (target >= 0.8)"),
        ("speedup_over_fastai_fp32", "x fastai's fp32 defaults (target >= 3)"),
    ],
    "notebook02": [
        ("train_s", "notebook 02's GPU plan: training seconds"),
        ("error_rate", "error rate"),
        ("frozen_features_error", "the frozen features' linear model's error rate"),
        ("exports_and_setup_s", "setup, both exports and that baseline, seconds"),
    ],
}


def summary(out, work):
    """OUT/summary.json: each part's status and seconds (from gpu.sh), and the headline figures."""
    status = {}
    if not (work / "status").is_file():
        print(f"no {work / 'status'}: --summary reads what gpu.sh recorded of its parts")
        return 2
    for line in (work / "status").read_text().splitlines():
        part, state, seconds = line.split()
        status[part] = {"status": state, "seconds": int(seconds)}
    print("\n== summary ==")
    for part, done in status.items():
        print(f"{part:12} {done['status']:8} {done['seconds']:4d} s")
        found = Path(out) / f"{part}.json"
        figures = json.loads(found.read_text()) if found.is_file() else {}
        for key, label in HEADLINES.get(part, []):
            value = figures.get(key)
            if value is not None:
                print(
                    f"    {label}: {value:.3g}"
                    if isinstance(value, float)
                    else f"    {label}: {value}"
                )
        for name in ("demo", "big") if part == "cleaner" else ():
            if name in figures:
                f = figures[name]
                print(
                    f"    features, {name}: learner body {f['learner_body_pictures_per_s']:.0f} "
                    f"pictures/s, default CPU {f['default_cpu_pictures_per_s']:.0f} pictures/s"
                )
    save(out, "summary", status)
    return 0 if all(d["status"] == "ok" for d in status.values()) else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out", type=Path, help="folder for the figures (kept flat: one file a part)"
    )
    parser.add_argument("--part", choices=RUN, help="run one part (gpu.sh runs each in turn)")
    parser.add_argument("--work", type=Path, help="scratch folder the parts share (gpu.sh's)")
    parser.add_argument("--dry-run", action="store_true", help="on the CPU, tiny sizes, no CUDA")
    parser.add_argument("--summary", action="store_true", help="summarize the parts gpu.sh ran")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="lesson2-gpu-"))  # never in OUT: kept flat
    work.mkdir(parents=True, exist_ok=True)
    if args.summary:
        return summary(args.out, work)
    warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated", FutureWarning)
    for part in [args.part] if args.part else RUN:
        print(f"\n== {part} ==", flush=True)
        RUN[part](args.out, work, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
