"""The app deployed alone: a fresh venv holding only app/requirements.txt, the repository's app/
folder and a model file; app/Dockerfile kept in step with that tested path; and the wheel, which
holds the app as the top-level `lesson2_app`, never a generic `app`."""

import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pytest

from lesson2.production.launch import uvicorn_command, uvicorn_in_background

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"  # the folder that deploys alone
REQUIREMENTS = APP / "requirements.txt"
FORBIDDEN = {"torch", "fastai", "torchvision", "timm", "lesson2"}
MAX_ENV_MB = 400


def requirement_names():
    lines = [line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines()]
    return {re.split(r"[<>=!~ ]", line)[0].lower() for line in lines if line}


def test_requirements_are_the_apps_own_and_nothing_heavy():
    assert requirement_names() == {
        "starlette",
        "uvicorn",
        "python-multipart",
        "pillow",
        "numpy",
        "onnxruntime",
    }


def test_app_imports_nothing_from_lesson2_or_torch():
    files = list(APP.rglob("*.py"))
    assert len(files) >= 8
    for path in files:
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) (lesson2|torch|fastai|timm)\b", text, re.M), path


def test_dockerfile_installs_the_same_requirements_and_runs_the_same_command():
    text = (APP / "Dockerfile").read_text()
    assert "COPY app/requirements.txt requirements.txt" in text
    assert "RUN pip install --no-cache-dir -r requirements.txt" in text
    assert "COPY app/lesson2_app lesson2_app" in text  # beside the command's working folder
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    tested = uvicorn_command(python="python", port=8000)[2:]  # after `python -m`
    assert cmd[: len(tested) - 6] == tested[: len(tested) - 6]  # uvicorn --factory lesson2_app...
    assert cmd[cmd.index("--port") + 1] == "8000" and "--workers" in cmd


@pytest.fixture(scope="module")
def app_venv(tmp_path_factory):
    """A throwaway venv with only app/requirements.txt installed (the lock's versions)."""
    venv = tmp_path_factory.mktemp("app-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "ensurepip", "--default-pip"], check=True, capture_output=True)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    lock = ["-c", str(ROOT / "constraints.txt")]  # the versions tested, as make installs them
    done = subprocess.run([*pip, "-r", str(REQUIREMENTS), *lock], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def clean_env():
    """This environment without anything that would let the venv see the project's packages."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.mark.slow
def test_the_venv_holds_no_torch_and_is_small(app_venv):
    listed = subprocess.run(
        [app_venv / "bin" / "python", "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
        env=clean_env(),
        cwd=app_venv,
    )
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert not names & FORBIDDEN, names & FORBIDDEN
    size = sum(f.stat().st_size for f in app_venv.rglob("*") if f.is_file()) / 2**20
    assert size < MAX_ENV_MB, f"the app's environment is {size:.0f} MB"


@pytest.mark.slow
def test_the_app_alone_serves_the_model_like_learn_predict(
    app_venv, tiny_onnx, tiny_learn, tiny_examples
):
    python = app_venv / "bin" / "python"
    env = {"PYTHONPATH": "", "LESSON2_EXAMPLES": str(tiny_examples)}
    with uvicorn_in_background(tiny_onnx, python=python, app_dir=APP, env=env) as url:
        health = httpx.get(f"{url}/api/health").json()
        assert health["labels"] == ["circle", "square", "triangle"]
        for path in sorted(tiny_examples.glob("*/*.jpg"))[::9]:
            body = httpx.post(f"{url}/api/predict", files={"file": path.open("rb")}).json()
            label, _, probs = tiny_learn.predict(path)
            assert body["label"] == label
            np.testing.assert_allclose(list(body["probs"].values()), probs.numpy(), atol=1e-3)
            assert isinstance(body["in_domain"], bool)
    command = shlex.join(map(str, uvicorn_command(python, app_dir=APP)))
    assert f"lesson2_app.main:create_app --app-dir {APP}" in command


@pytest.mark.slow
def test_the_wheel_holds_lesson2_and_lesson2_app_and_their_files(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("lesson2-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.startswith("lesson2-")}
    assert tops == {"lesson2", "lesson2_app"}
    for needed in (
        "main.py",
        "pictures.py",
        "static/index.html",
        "static/app.js",
        "static/page.js",
    ):
        assert f"lesson2_app/{needed}" in names
    for needed in ("index.html", "web.js", "preprocess.js"):  # the static site's page
        assert f"lesson2/production/site/{needed}" in names
    assert "lesson2/dataset/collect_urls.js" in names
    assert "lesson2/clean/suspects.py" in names
