"""lesson2.training.plan: the plan suits the device; its defaults need no torch."""

import subprocess
import sys

import pytest

from lesson2.training.data import get_dls
from lesson2.training.plan import CPU_SIZE, describe_device, loader_workers, pick_device, plan_for


def test_get_dls_picks_size_for_the_device(small_shapes):
    dls = get_dls(small_shapes, plan_for("cpu", bs=8), device="cpu")
    assert dls.one_batch()[0].shape[-1] == CPU_SIZE
    assert plan_for("cuda").size > plan_for("cpu").size
    assert plan_for("cuda").epochs > plan_for("cpu").epochs


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
    with pytest.raises(ValueError, match="bs must be at least 1"):
        plan_for("cpu", bs=0)
    assert plan_for("cpu", size=None).size == CPU_SIZE  # None keeps the device's value
