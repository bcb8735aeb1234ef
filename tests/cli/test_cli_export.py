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
