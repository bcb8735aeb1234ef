"""`lesson2 export`: clear failures for a bad model file or pictures that moved."""

import pytest

from lesson2.cli import main as cli


def test_export_explains_what_is_wrong(tmp_path, capsys):
    assert cli(["export", str(tmp_path / "none.pkl")]) == 2
    assert "does not exist" in capsys.readouterr().err
    page = tmp_path / "model.pkl"
    page.write_text("<html>Sign in</html>")
    assert cli(["export", str(page)]) == 2
    assert "HTML page" in capsys.readouterr().err


@pytest.mark.slow
def test_export_needs_the_pictures_when_they_moved(tiny_model_path, tmp_path, capsys):
    assert cli(["export", str(tiny_model_path), "--data", str(tmp_path / "gone")]) == 2
    assert "--data FOLDER" in capsys.readouterr().err


def test_export_web_and_out_are_one_or_the_other(tmp_path, capsys):
    args = ["export", str(tmp_path / "m.pkl"), "--web", str(tmp_path / "site")]
    assert cli([*args, "--out", str(tmp_path / "m.onnx")]) == 2
    assert "choose one" in capsys.readouterr().err


@pytest.mark.slow
def test_export_web_writes_a_site_from_the_learner(tiny_model_path, tmp_path, capsys):
    args = ["export", str(tiny_model_path), "--web", str(tmp_path / "site"), "--examples", "0"]
    assert cli(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {tmp_path / 'site'} (") and "python -m http.server" in out
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "ort" / "ort-wasm-simd-threaded.wasm").is_file()
    assert not (tmp_path / "site" / "examples").exists()  # none of the pictures made public


def test_the_commands_default_is_the_librarys():
    from lesson2.commands import export
    from lesson2.production import web

    assert export.EXAMPLES == web.EXAMPLES


@pytest.mark.slow
def test_export_web_from_an_onnx_file_asks_for_its_pictures(tiny_onnx, tmp_path, capsys):
    assert cli(["export", str(tiny_onnx), "--web", str(tmp_path / "site")]) == 2
    assert "--data FOLDER" in capsys.readouterr().err
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    assert cli(["export", str(tiny_onnx), "--web", str(tmp_path / "taken"), "--no-quantize"]) == 2
    assert "not empty" in capsys.readouterr().err
