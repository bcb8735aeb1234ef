"""Shared fixtures: a real headless Chromium (Debian's package) driven by playwright, a real
JupyterLab for it to drive, shared pictures and models, and fresh venvs that see only some of this
environment's packages."""

import contextlib
import importlib.metadata
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_addoption(parser):
    parser.addoption(
        "--save-pictures",
        metavar="DIR",
        default=None,
        help="browser tests also keep the screenshots the docs show in DIR (e.g. docs)",
    )


@pytest.fixture
def pictures(request, tmp_path):
    """The folder a browser test saves its screenshots in: --save-pictures, else tmp_path."""
    folder = request.config.getoption("--save-pictures")
    return tmp_path if folder is None else Path(folder).resolve()


@pytest.fixture(scope="session")
def chromium():
    """A launched headless Chromium; tests open their own pages and contexts."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed: run `make chromium` (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def launch_chromium(chromium):
    """launch_chromium(*args): another Chromium through the session's playwright (a second
    sync_playwright would clash with it), with the usual flags and `args`."""
    return lambda *args: chromium.browser_type.launch(
        executable_path=shutil.which("chromium"), args=[*CHROMIUM_ARGS, *args]
    )


@pytest.fixture
def page(chromium, tmp_path):
    """A fresh browser context and page that accepts downloads."""
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


# ---- JupyterLab, for the browser tests of the notebooks' widgets ----------------------------

KERNEL_IDLE = """() => {
  const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = nb && nb.sessionContext && nb.sessionContext.session
    && nb.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}"""

ALL_CELLS_RAN = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const cells = Array.from(nb.content.model.cells).filter(c => c.type === 'code');
  return nb.sessionContext.session.kernel.status === 'idle'
    && cells.every(c => c.executionCount !== null && c.executionCount !== undefined);
}"""


@dataclass
class Lab:
    """A running JupyterLab: its address, its token, and the LESSON2_DATA its kernels use."""

    url: str
    token: str
    data: Path

    def run_all(self, page, notebook, timeout_ms):
        """Open `notebook` in `page`, clear it, run every cell, and fail on any error output."""
        page.goto(f"{self.url}/lab/tree/{notebook}?token={self.token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        page.wait_for_function(KERNEL_IDLE, timeout=120_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_CELLS_RAN, timeout=timeout_ms, polling=1000)
        errors = page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
        )
        assert errors.count() == 0, errors.first.inner_text()


def _wait_for(url, proc, log, timeout=90):
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def _lab(tmp_path, notebook, env):
    from lesson2.production.launch import free_port

    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / notebook, tmp_path / "notebooks" / notebook)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "LESSON2_DATA": str(tmp_path / "data"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        **env,
    }
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={tmp_path / 'notebooks'}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run the menu's commands
        "--LabApp.extension_manager=readonly",  # no PyPI look-ups
    ]
    labconfig = tmp_path / "jupyter-config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(  # no "get Jupyter news?" toast over a widget
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}'
    )
    if os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI often run as root
    with open(tmp_path / "lab.log", "w") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{url}/api/status?token={token}", proc, tmp_path / "lab.log")
            yield Lab(url, token, tmp_path / "data")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def jupyter_lab(tmp_path):
    """jupyter_lab(notebook, **env): a JupyterLab serving a copy of notebooks/<notebook>, with
    its own config, runtime and data folders (LESSON2_DATA under tmp_path); a `Lab`. The
    kernels inherit this environment, and `env` on top. Stopped when the test ends."""
    with contextlib.ExitStack() as stack:
        yield lambda notebook, **env: stack.enter_context(_lab(tmp_path, notebook, env))


# ---- pictures and models the tests share, each built once -----------------------------------


@pytest.fixture(scope="session")
def small_shapes(tmp_path_factory):
    """A small demo folder, with a hidden quarantine folder and a non-image file to ignore."""
    from lesson2.demo.shapes import draw_dataset

    path = tmp_path_factory.mktemp("shapes")
    draw_dataset(path, n_per_class=16, size=64)
    draw_dataset(path / ".trash", classes=("circle",), n_per_class=3, size=64, seed=9)
    (path / "circle" / "manifest.csv").write_text("url,status\n")
    return path


@pytest.fixture(scope="session")
def little_shapes(tmp_path_factory):
    """A tiny dataset to copy: 4 pictures of 24 pixels for each of three classes."""
    from lesson2.demo.shapes import draw_dataset

    src = tmp_path_factory.mktemp("little-shapes")
    draw_dataset(src, classes=("circle", "square", "triangle"), n_per_class=4, size=24)
    return src


@pytest.fixture
def dataset_copy(little_shapes, tmp_path):
    """A fresh copy of `little_shapes` that a test may change as it likes."""
    return shutil.copytree(little_shapes, tmp_path / "data")


@pytest.fixture(scope="module")
def learn(small_shapes):
    """A live learner trained one epoch on `small_shapes` (its own for each test module)."""
    from lesson2.training.data import get_dls
    from lesson2.training.learner import get_learner
    from lesson2.training.plan import plan_for

    learn = get_learner(get_dls(small_shapes, plan_for(size=64, bs=16)))
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(1)
    return learn


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """An exported EfficientNet-Lite0 learner (.pkl) fine-tuned on drawn shapes (built once)."""
    from lesson2.demo.tiny_model import shapes_model

    return shapes_model(tmp_path_factory.getbasetemp() / "tiny-model")


@pytest.fixture(scope="session")
def tiny_learn(tiny_model_path):
    """That learner, loaded on the CPU."""
    from lesson2.production.inference import load

    return load(tiny_model_path).learn


@pytest.fixture(scope="session")
def tiny_examples(tiny_model_path):
    """The folder of drawn shapes the tiny model was trained on (class subfolders)."""
    return tiny_model_path.parent / "shapes"


@pytest.fixture(scope="session")
def tiny_onnx(tiny_model_path):
    """The tiny learner exported to ONNX as `lesson2 export` does (its own training folder)."""
    from lesson2.production.export import onnx_from_pkl

    dest = tiny_model_path.with_suffix(".onnx")
    return dest if dest.exists() else onnx_from_pkl(tiny_model_path, dest)


# ---- async scenarios from synchronous tests --------------------------------------------------


@pytest.fixture
def run_async():
    """run_async(fn, *args): anyio.run(fn, *args) in a thread of its own. While a browser test's
    playwright (sync API) holds this thread's event loop, anyio.run here would find a loop
    already running."""
    import anyio

    def run(fn, *args):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(anyio.run, fn, *args).result()

    return run


# ---- a fresh venv that sees only some of this environment's packages -------------------------


def _normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _with_dependencies(names):
    """`names` and everything they need as installed here, extras such as torch's
    cuda-toolkit[cublas,...] included (markers evaluated for this machine)."""
    from packaging.requirements import Requirement

    todo, done = [(_normalized(n), frozenset()) for n in names], set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in done:
            continue
        done.add((name, extras))
        try:
            wanted = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for req in map(Requirement, wanted):
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in {"", *extras}):
                todo.append((_normalized(req.name), frozenset(req.extras)))
    return {name for name, _ in done}


@pytest.fixture
def venv_with(tmp_path):
    """venv_with(names, deps=False): the python of a new venv (tmp_path/venv) that sees only the
    distributions `names` (and with `deps`, what they need) of this environment, linked into
    tmp_path/exposed: a stand-in for a machine whose stack (torch, say) is already installed."""

    def make(names, deps=False):
        wanted = _with_dependencies(names) if deps else {_normalized(n) for n in names}
        site = tmp_path / "exposed"
        site.mkdir()
        for dist in importlib.metadata.distributions():
            name = _normalized(dist.metadata["Name"])
            if name not in wanted:
                continue
            wanted.discard(name)  # the first one on sys.path, as imports see it
            base = Path(dist.locate_file(""))
            for top in {Path(f).parts[0] for f in dist.files or () if Path(f).parts[0] != ".."}:
                if (base / top).exists() and not (site / top).exists():
                    (site / top).symlink_to(base / top)
        venv = tmp_path / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        (site_packages,) = venv.glob("lib/python*/site-packages")
        (site_packages / "exposed.pth").write_text(f"{site}\n")
        return venv / "bin" / "python"

    return make
