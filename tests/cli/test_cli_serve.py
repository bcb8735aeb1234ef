"""`lesson2 serve`: clear failures before any server starts."""

import socket

from lesson2.cli import main as cli


def test_serve_explains_a_bad_model_file(tmp_path, capsys):
    page = tmp_path / "model.pkl"
    page.write_text("<!DOCTYPE html><html>Sign in</html>")
    assert cli(["serve", "--model", str(page)]) == 2
    assert "is an HTML page, not a model" in capsys.readouterr().err
    assert cli(["serve", "--model", str(tmp_path / "none.pkl")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_serve_explains_a_port_in_use(tiny_onnx, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli(["serve", "--model", str(tiny_onnx), "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
