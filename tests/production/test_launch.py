"""lesson2.production.launch: servers in the background that start, answer and always stop."""

import sys

import httpx
import pytest

from lesson2.production.launch import background, free_port, static_in_background, uvicorn_command


def test_free_port_is_free_to_listen_on():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))


def test_a_server_answers_in_the_block_and_is_stopped_after_it(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with background([*command, "--directory", str(tmp_path)], url) as proc:
        assert httpx.get(url).status_code == 200
    assert proc.poll() is not None  # stopped, even though http.server runs forever


def test_a_server_that_fails_to_start_says_why():
    command = [sys.executable, "-c", "import sys; print('no model here'); sys.exit(3)"]
    url = f"http://127.0.0.1:{free_port()}/"
    with (
        pytest.raises(RuntimeError, match=r"exited with status 3:\nno model here"),
        background(command, url),
    ):
        pass


def test_the_app_command_is_the_installed_package_or_the_app_folder():
    command = uvicorn_command(python="py", port=8123, workers=2)
    assert command[:5] == ["py", "-m", "uvicorn", "--factory", "lesson2_app.main:create_app"]
    assert command[-6:] == ["--host", "127.0.0.1", "--port", "8123", "--workers", "2"]
    assert uvicorn_command(app_dir="app")[5:7] == ["--app-dir", "app"]


def test_a_static_folder_is_served_as_a_static_host_would(tmp_path):
    (tmp_path / "index.html").write_text("<p>hello</p>")
    with static_in_background(tmp_path) as url:
        assert url.endswith("/") and httpx.get(url).text == "<p>hello</p>"
        assert httpx.get(f"{url}missing.js").status_code == 404
