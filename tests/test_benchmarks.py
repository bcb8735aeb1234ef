"""The benchmark scripts stay runnable: each one imports and answers --help."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).parents[1] / "benchmarks").glob("bench_*.py"))


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
