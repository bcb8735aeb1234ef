"""lesson2.production.footprint: installed sizes, against what pip installed and the app needs."""

import re
from pathlib import Path

from lesson2.production.footprint import APP, GPU_DISTS, GPU_FILES, closure, installed_bytes

ROOT = Path(__file__).resolve().parents[2]


def test_app_lists_the_apps_requirements():
    lines = (ROOT / "app" / "requirements.txt").read_text().splitlines()
    names = {re.split(r"[<>=!~ ;\[]", line)[0].lower() for line in lines if line[:1].isalpha()}
    assert names == set(APP)


def test_closure_follows_requirements_but_not_unrequested_extras():
    found = closure(["onnxruntime"])
    assert {"onnxruntime", "numpy", "protobuf"} <= found
    assert "sympy" not in found  # onnxruntime's extra "symbolic" only
    assert "torch" not in closure(APP)  # the app stands alone
    assert closure(["no-such-distribution-here"]) == set()


def test_sizes_add_up():
    torch = installed_bytes(["torch"])
    cpu_only = installed_bytes(["torch"], GPU_DISTS, GPU_FILES)
    assert 0 < cpu_only <= torch < installed_bytes(["fastai"])
    assert installed_bytes(APP) < cpu_only  # the point of exporting to ONNX
