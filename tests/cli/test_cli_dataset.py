"""`lesson2 dataset` as a student runs it: a real process, a real local web."""

import subprocess
import sys

import pytest

import lesson2.dataset.search
from lesson2.cli import main
from lesson2.demo.localweb import LocalWeb, jpeg_bytes
from lesson2.demo.shapes import draw


@pytest.fixture(scope="module")
def web():
    pics = {
        f"{label}{i}": jpeg_bytes(draw(label, seed=i, size=64))
        for label in ("circle", "square")
        for i in range(5)
    }
    with LocalWeb(pics) as web:
        yield web


def lesson2_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "lesson2.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_lists_the_commands():
    result = lesson2_cli("--help")
    assert result.returncode == 0
    assert "dataset" in result.stdout
    assert "--demo" in lesson2_cli("dataset", "--help").stdout


def test_url_files_become_class_folders(web, tmp_path):
    for label in ("circle", "square"):
        urls = [web.url(f"/img/{label}{i}") for i in range(5)] + [web.url("/status/404/x")]
        (tmp_path / f"urls_{label}.csv").write_text("\n".join(urls))
    dest = tmp_path / "shapes"
    result = lesson2_cli(
        "dataset",
        dest,
        "--urls",
        tmp_path / "urls_circle.csv",
        f"squares={tmp_path / 'urls_square.csv'}",
        "--no-progress",
    )
    assert result.returncode == 0, result.stderr
    assert len(list((dest / "circle").glob("*.jpg"))) == 5
    assert len(list((dest / "squares").glob("*.jpg"))) == 5
    assert "ok 5, http error 1" in result.stdout


def test_a_missing_url_file_says_what_to_do(tmp_path):
    result = lesson2_cli("dataset", tmp_path, "--urls", tmp_path / "urls_nope.csv")
    assert result.returncode == 2
    assert "no URL file" in result.stderr and "snippet" in result.stderr


def test_nothing_downloaded_is_a_failure(web, tmp_path):
    (tmp_path / "urls_bad.csv").write_text(web.url("/status/404/gone") + "\n")
    result = lesson2_cli("dataset", tmp_path / "d", "--urls", tmp_path / "urls_bad.csv")
    assert result.returncode == 1
    assert "manifest.csv" in result.stderr


def test_search_queries_are_saved_as_url_files(web, tmp_path, monkeypatch, capsys):
    found = {"grizzly bear": [web.url(f"/img/circle{i}") for i in range(3)]}
    # the only stand-in: the search engine out on the internet
    monkeypatch.setattr(
        lesson2.dataset.search, "search_images", lambda q, max_images, **kw: found[q]
    )
    status = main(["dataset", str(tmp_path), "--search", "grizzly=grizzly bear", "--no-progress"])
    assert status == 0
    assert (tmp_path / "urls_grizzly.txt").read_text().split() == found["grizzly bear"]
    assert len(list((tmp_path / "grizzly").glob("*.jpg"))) == 3
