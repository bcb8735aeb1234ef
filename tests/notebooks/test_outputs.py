"""The notebooks as students read them on GitHub: saved outputs with no machine paths, no
warnings, no errors, small files, and a picture wherever a live widget cannot render."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:tmp|root|home|work|Users|var/folders)/")
WIDGET = "application/vnd.jupyter.widget-view+json"
MAX_KB = 1024


def outputs(nb):
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            yield i, out


def shown_text(out):
    """Everything a reader sees of one output, as text."""
    data = out.get("data", {})
    parts = [out.get("text", ""), data.get("text/plain", ""), data.get("text/html", "")]
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, json.loads(request.param.read_text(encoding="utf-8"))


def test_every_code_cell_is_saved_with_its_outputs(notebook):
    _, nb = notebook
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") is not None for c in code)


def test_outputs_show_no_machine_paths_warnings_or_errors(notebook):
    _, nb = notebook
    for i, out in outputs(nb):
        assert out["output_type"] != "error", f"cell {i} saved an error"
        assert out.get("name") != "stderr", f"cell {i} saved stderr: {shown_text(out)[:200]}"
        text = shown_text(out)
        assert not MACHINE_PATH.search(text), f"cell {i} shows a machine path: {text[:200]}"
        assert "Warning" not in text, f"cell {i} shows a warning: {text[:200]}"


def test_notebooks_stay_small(notebook):
    path, _ = notebook
    assert path.stat().st_size < MAX_KB * 1024


def test_a_widget_comes_with_a_picture_of_itself(notebook):
    """A saved widget renders only in a running Jupyter; static views get a screenshot."""
    _, nb = notebook
    if any(WIDGET in out.get("data", {}) for _, out in outputs(nb)):
        pictures = [
            name
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
            for name in c.get("attachments", {})
        ]
        assert pictures, "a widget output, but no picture of it in a markdown cell"
