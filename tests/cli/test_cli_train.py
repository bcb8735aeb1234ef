"""`lesson2 train` end to end: a real folder, a real training run, a real export."""

import subprocess
import sys

import pytest

from lesson2.demo.shapes import draw_dataset


def lesson2(*args, env=None, tmp_path=None):
    return subprocess.run(
        [sys.executable, "-m", "lesson2.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=tmp_path,
    )


@pytest.mark.slow
def test_train_exports_a_model_and_summarizes(tmp_path):
    draw_dataset(
        tmp_path / "shapes", classes=("circle", "square", "triangle"), n_per_class=12, size=64
    )
    out = tmp_path / "models" / "shapes.pkl"
    done = lesson2(
        "train",
        tmp_path / "shapes",
        "--epochs",
        1,
        "--freeze-epochs",
        1,
        "--size",
        64,
        "--bs",
        8,
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    # by default the whole network's top is fine_tune's lr / 2, no lr_find after unfreeze
    assert "the whole network's top rate: fastai fine_tune's lr / 2 = 1.0e-03" in done.stdout
    assert "the whole network at slice(1.0e-04, 1.0e-03)" in done.stdout
    assert "device: cpu" in done.stdout
    assert "29 train, 7 valid images of ['circle', 'square', 'triangle']" in done.stdout
    assert "error rate" in done.stdout
    assert f"exported to {out}" in done.stdout
    assert out.is_file()


def test_train_explains_a_missing_folder(tmp_path):
    done = lesson2("train", tmp_path / "nowhere", "--size", 64, "--lr-find")
    assert done.returncode == 2
    assert "no dataset folder at" in done.stderr
    assert "Traceback" not in done.stderr


def test_train_wants_a_pkl_name_before_it_trains(tmp_path):
    draw_dataset(tmp_path / "shapes", n_per_class=4, size=32)
    done = lesson2("train", tmp_path / "shapes", "--out", tmp_path / "model")
    assert done.returncode == 2
    assert "must end in .pkl" in done.stderr and f"name it {tmp_path / 'model.pkl'}" in done.stderr
    assert "device:" not in done.stdout  # nothing was decided or trained first
    assert "Traceback" not in done.stderr


def test_train_explains_missing_resnet34_weights(tmp_path):
    import os

    draw_dataset(tmp_path / "shapes", n_per_class=4, size=32)
    env = {**os.environ, "TORCH_HOME": str(tmp_path / "torch")}
    done = lesson2("train", tmp_path / "shapes", "--arch", "resnet34", "--bs", 4, env=env)
    assert done.returncode == 2
    assert "resnet34-b627a593.pth" in done.stderr
    assert "--no-pretrained" in done.stderr
    assert "Traceback" not in done.stderr


def test_train_rejects_a_bad_valid_pct(tmp_path):
    done = lesson2("train", tmp_path, "--valid-pct", 1.5)
    assert done.returncode == 2
    assert "--valid-pct must be between 0 and 1" in done.stderr


@pytest.mark.slow
def test_train_without_pretrained_weights_has_no_frozen_stage(tmp_path):
    draw_dataset(tmp_path / "shapes", n_per_class=8, size=32)
    done = lesson2(
        "train",
        tmp_path / "shapes",
        "--no-pretrained",
        "--epochs",
        1,
        "--freeze-epochs",
        3,
        "--size",
        32,
        "--bs",
        8,
        "--out",
        tmp_path / "scratch.pkl",
    )
    assert done.returncode == 0, done.stderr
    assert "from random weights: the whole network trains from the start" in done.stdout
    assert "32 px" in done.stdout and "0 epochs of the head alone" in done.stdout
