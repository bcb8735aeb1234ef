"""Installs respect the platform: the package declares ranges (never pins), the exact versions
tested live in constraints.txt, which make and CI install with, and installing lesson2 where
torch is already installed (Colab, Kaggle, a GPU image) leaves that torch alone."""

import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints.txt"
PLATFORM_TORCH = ("torch", "torchvision")
WHEEL = [
    sys.executable,
    "-m",
    "pip",
    "wheel",
    "--no-deps",
    "--no-build-isolation",
    "-q",
]  # what a student's platform ships and must keep


def pyproject_requirements(extras=("dev",)):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [
        r for e in extras for r in project["optional-dependencies"][e]
    ]
    return [Requirement(line) for line in lines]


def locked():
    """{name: version} of constraints.txt."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact name==version pin"
            pins[canonicalize_name(name)] = Version(version)
    return pins


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel of this checkout, built as `make install` builds it."""
    dest = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [*WHEEL, "-w", str(dest), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = dest.glob("lesson2-*.whl")
    return found


def test_the_metadata_declares_ranges_with_a_lower_bound_and_no_pin(wheel):
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = z.read(name).decode()
    requires = [Requirement(v) for v in re.findall(r"^Requires-Dist: (.+)$", metadata, re.M)]
    assert len(requires) > 20
    for req in requires:
        operators = {s.operator for s in req.specifier}
        assert not operators & {"==", "==="}, f"{req} pins a version"
        assert req.url is None, f"{req} points at a URL"
        assert ">=" in operators, f"{req} has no lower bound"
    torch = {r.name: str(r.specifier) for r in requires if r.name in PLATFORM_TORCH}
    assert set(torch) == set(PLATFORM_TORCH)


def test_the_lock_pins_every_dependency_inside_its_range():
    pins = locked()
    assert "lesson2" not in pins
    for req in pyproject_requirements(extras=("dev",)):
        name = canonicalize_name(req.name)
        assert name in pins, f"constraints.txt lacks {req.name}"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt has {req.name} {pins[name]}, outside pyproject's {req.specifier}"
        )


def test_the_app_requirements_declare_the_same_ranges_as_the_package():
    package = {canonicalize_name(r.name): r.specifier for r in pyproject_requirements(extras=())}
    lines = (ROOT / "app" / "requirements.txt").read_text().splitlines()
    app = [Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip()]
    for req in app:
        assert req.specifier == package[canonicalize_name(req.name)], req.name


def test_make_installs_every_dependency_from_the_lock():
    planned = subprocess.run(
        ["make", "-n", "-B", "install", "PYTHON=python3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert planned.returncode == 0, planned.stderr
    installs = [line for line in planned.stdout.splitlines() if "pip install" in line]
    assert len(installs) >= 3
    for line in installs:  # every install takes the lock's versions, or nothing but lesson2
        assert "-c constraints.txt" in line or "--no-deps" in line, line
        assert "--no-build-isolation" in line or "'.[dev]'" not in line, line
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def dry_run_install(python, *args):
    """What `pip install` would install into `python`'s environment, from pip's --report."""
    report = Path(str(python) + ".report.json")
    done = subprocess.run(
        [python, "-m", "pip", "install", "--dry-run", "--quiet", "--report", report, *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }


def fake_distribution(site, name, version, requires=()):
    """An installed-looking distribution (metadata only), as pip sees a platform's package."""
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "INSTALLER").write_text("platform\n")
    (info / "RECORD").write_text("")


@pytest.mark.slow
@pytest.mark.parametrize("platform", ["this machine's torch", "an older platform torch"])
def test_installing_lesson2_keeps_the_platforms_torch(platform, venv_with, wheel, tmp_path):
    """A fresh venv where torch and torchvision are already installed, as on Colab: pip would
    install lesson2 and what it needs, but no torch, no torchvision and none of torch's CUDA
    libraries. No lock: a student's install resolves the ranges alone."""
    if platform == "this machine's torch":  # the real ones, linked in with what they need
        python = venv_with(["pip", *PLATFORM_TORCH], deps=True)
        kept = {d: Version(importlib.metadata.version(d)).public for d in PLATFORM_TORCH}
    else:  # Colab's torch of late 2025: older than any == pin of ours would be
        python = venv_with(["pip"])
        fake_distribution(tmp_path / "exposed", "torch", "2.8.0+cu126")
        fake_distribution(tmp_path / "exposed", "torchvision", "0.23.0+cu126", ["torch==2.8.0"])
        kept = {"torch": "2.8.0", "torchvision": "0.23.0"}
        # the stand-in is faithful: a pin would replace that torch
        assert "torch" in dry_run_install(python, "--no-deps", "torch==2.14.1")
    planned = dry_run_install(python, str(wheel))
    assert "lesson2" in planned and "fastai" in planned
    assert not {"torch", "torchvision"} & set(planned), planned
    assert not [n for n in planned if n.startswith(("nvidia-", "triton", "cuda-"))], planned
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True
    )
    versions = {p["name"]: Version(p["version"]).public for p in json.loads(listed.stdout)}
    assert {d: versions[d] for d in PLATFORM_TORCH} == kept
