"""A real JupyterLab in headless Chromium runs notebook 03 and cleans an image with the mouse."""

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lesson2.production.launch import free_port

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = "03_clean.ipynb"
RUN_TIMEOUT_MS = 400_000  # the quick notebook trains twice on 2 CPUs


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a copy of the notebook, with its own config and data dirs."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp_path / "notebooks" / NOTEBOOK)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "LESSON2_DATA": str(tmp_path / "data"),
        "LESSON2_QUICK": "1",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
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
    (labconfig / "page_config.json").write_text(  # no "get Jupyter news?" toast over the widget
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}'
    )
    if os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI often run as root
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 -- closed below
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/api/status?token={token}", proc, tmp_path / "lab.log")
        yield {"url": url, "token": token, "data": tmp_path / "data"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_for(url, proc, log, timeout=90):
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


FIRST_CARD_FILLED = """() => {
  const caption = document.querySelector('.lesson2-cleaner .lesson2-card .widget-html-content');
  return !!caption && /\\.(jpe?g|png)/i.test(caption.innerText);
}"""


@pytest.mark.slow
@pytest.mark.browser
def test_notebook_runs_in_jupyterlab_and_the_cleaner_moves_a_file_to_the_trash(lab, page, pictures):
    page.set_default_timeout(60_000)
    page.goto(f"{lab['url']}/lab/tree/{NOTEBOOK}?token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_CELLS_RAN, timeout=RUN_TIMEOUT_MS, polling=1000)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, errors.first.inner_text()

    cleaner = page.locator(".lesson2-cleaner")
    cleaner.scroll_into_view_if_needed()
    thumbs = cleaner.locator("img.lesson2-thumb")
    assert thumbs.count() >= 1
    assert thumbs.first.evaluate("img => img.complete && img.naturalWidth") > 0
    assert page.get_by_text("ImageCleaner(children=").count() == 0  # a real widget, not its repr

    # The notebook applied its decisions; the mouse takes them back, as a person would.
    cleaner.get_by_role("button", name="Undo").click()
    page.wait_for_function(
        "() => document.querySelector('.lesson2-cleaner').innerText.includes('files back where')"
    )
    page.wait_for_function(FIRST_CARD_FILLED)  # the kernel's updates reach the page in turn
    page.set_viewport_size({"width": 1100, "height": 2400})  # the whole widget, for the picture
    cleaner.scroll_into_view_if_needed()
    cleaner.screenshot(path=pictures / "cleaner.png")  # notebook 03 shows it to static views

    card = cleaner.locator(".lesson2-card").first
    name = card.locator(".widget-html-content").first.inner_text().splitlines()[0].strip()
    assert (lab["data"] / "shapes-cleaning" / name).is_file()
    card.locator(".lesson2-action select").select_option(label="delete")
    page.wait_for_function(
        "() => document.querySelector('.lesson2-cleaner').innerText.includes('1 pending change')"
    )
    cleaner.get_by_role("button", name="Apply").click()
    page.wait_for_function(
        "() => document.querySelector('.lesson2-cleaner').innerText.includes('1 to the trash')"
    )
    cleaner.screenshot(path=pictures / "cleaner-applied.png")  # for a person after a failure
    trashed = lab["data"] / "shapes-cleaning" / ".trash" / name
    assert trashed.is_file()
    assert not (lab["data"] / "shapes-cleaning" / name).exists()
