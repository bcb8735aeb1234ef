"""lesson2.training.plan: the plan suits the device; its defaults need no torch."""

import subprocess
import sys

import pytest

from lesson2.training.choices import MIN_SIZE
from lesson2.training.data import get_dls
from lesson2.training.plan import (
    CPU_SIZE,
    GPU_SIZE,
    describe_device,
    loader_workers,
    max_size,
    pick_device,
    plan_for,
)


def test_get_dls_picks_size_for_the_device(small_shapes):
    dls = get_dls(small_shapes, plan_for("cpu", bs=8), device="cpu")
    assert dls.one_batch()[0].shape[-1] == MIN_SIZE  # 64 px pictures, scaled up
    assert (max_size("cpu"), max_size("cuda")) == (CPU_SIZE, GPU_SIZE)
    assert plan_for("cuda").minutes > plan_for("cpu").minutes
    assert plan_for("cuda").bs > plan_for("cpu").bs
    assert plan_for("cpu").epochs is None  # until the error rate stops improving


def test_device_is_reported():
    device = pick_device()
    assert device.type in {"cuda", "mps", "cpu"}
    assert describe_device(device).startswith(device.type)
    assert loader_workers("cpu") >= 0


def test_the_defaults_load_without_torch():
    script = (
        "import sys, lesson2.training.plan as p; print(p.LR, p.VALID_PCT, 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["0.002", "0.2", "False"], done.stderr


def test_a_plan_refuses_values_it_cannot_train_with():
    with pytest.raises(ValueError, match="valid_pct must be between 0 and 1"):
        plan_for("cpu", valid_pct=1.5)
    with pytest.raises(ValueError, match="bs must be positive, not 0"):
        plan_for("cpu", bs=0)
    assert plan_for("cpu", bs=None).bs == plan_for("cpu").bs  # None keeps the device's value
    with pytest.raises(ValueError, match="minutes must be positive"):
        plan_for("cpu", minutes=0)


def test_the_plan_reads_as_a_sentence():
    said = plan_for("cpu", size=96, minutes=2.5).describe()
    assert said.startswith(
        "96 px, batches of 32; the head alone for one cycle of up to 80 epochs on the body's "
        "features, computed once, then the whole network"
    )
    assert "for the epochs the budget affords (at most 20) or until the error rate stops " in said
    assert "improving (3 epochs of patience)" in said
    assert said.endswith("a budget of 2.5 minutes")
    assert "then the whole network 4 epochs" in plan_for("cpu", epochs=4).describe()
    assert "; 4 epochs of the head alone" in plan_for("cpu", freeze_epochs=4).describe()
    one = plan_for("cpu", freeze_epochs=1, epochs=1, minutes=1).describe()
    assert "1 epoch of the head alone, then the whole network 1 epoch;" in one
    assert one.endswith("a budget of 1 minute")
