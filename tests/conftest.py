"""Shared fixtures: a real headless Chromium (Debian's package) driven by playwright."""

import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_addoption(parser):
    parser.addoption(
        "--save-pictures", metavar="DIR", default=None,
        help="browser tests also keep the screenshots the docs show in DIR (e.g. docs)",
    )  # fmt: skip


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


@pytest.fixture
def page(chromium, tmp_path):
    """A fresh browser context and page that accepts downloads."""
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


# ---- the tiny model, shared by the inference, deploy and app tests (built once a session) ----
# Named tiny_* so that no test file's own `learn` fixture (test_train.py) is shadowed.


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory):
    """The exported learner (.pkl) of tests/_models.py."""
    from _models import tiny_model

    return tiny_model(tmp_path_factory)


@pytest.fixture(scope="session")
def tiny_learn(tiny_model_path):
    """That learner, loaded on the CPU."""
    from lesson2.inference import load

    return load(tiny_model_path)


@pytest.fixture(scope="session")
def tiny_examples(tmp_path_factory):
    """The folder of drawn shapes the tiny model was trained on (class subfolders)."""
    from _models import examples

    return examples(tmp_path_factory)


@pytest.fixture(scope="session")
def tiny_onnx(tiny_model_path):
    """The tiny learner exported to ONNX by `lesson2 export` (its own training folder)."""
    from lesson2.commands.export import export

    dest = tiny_model_path.with_suffix(".onnx")
    return dest if dest.exists() else export(tiny_model_path, dest)
