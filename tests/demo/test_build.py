"""The offline rehearsal: the demo web's mess lands as the right statuses, deterministically."""

import io
import json

import pytest
from PIL import Image

from lesson2.dataset.download import read_manifest, summarize
from lesson2.dataset.urlfile import find_url_files
from lesson2.demo.build import DemoWeb, build_demo_dataset, render
from lesson2.demo.localweb import jpeg_bytes
from lesson2.demo.planted import planted_files
from lesson2.demo.shapes import CLASSES, SIZE, draw

N = 12  # pictures per class: small, but every kind of mess is still there


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_dataset(
        tmp_path_factory.mktemp("demo"), n_per_class=N, timeout=2.5, progress=False
    )


def test_every_kind_of_mess_gets_its_status(demo):
    table = summarize(demo)
    assert list(table.index) == sorted(CLASSES)
    ok = N + 2 + 3 + 3  # pictures, near-duplicates, mislabels, slow + redirected + flaky
    assert table.loc["circle"].to_dict() == {
        "ok": ok,
        "duplicate": 1,
        "http error": 2,
        "not an image": 2,
        "refused": 0,
        "timeout": 1,
        "too large": 1,
    }
    assert table.loc["square", "refused"] == 2
    assert (table["ok"] == ok).all() and (table["duplicate"] == 1).all()


def test_every_kept_file_is_a_verified_rgb_jpeg(demo):
    for label in CLASSES:
        files = sorted((demo / label).glob("*.jpg"))
        assert len(files) == N + 8
        for file in files:
            with Image.open(file) as img:
                img.load()
                assert (img.format, img.mode) == ("JPEG", "RGB")
    assert not (demo / ".quarantine").exists()  # the downloader already refused the bad ones


def test_url_files_are_written_as_the_snippet_saves_them(demo):
    assert sorted(find_url_files(demo)) == sorted(CLASSES)
    for label in CLASSES:
        lines = (demo / f"urls_{label}.txt").read_text().splitlines()
        assert len(lines) == len(read_manifest(demo / label))
        assert sum(line.startswith("http://127.0.0.1:") for line in lines) >= N


def test_planted_problems_are_found_by_file(demo):
    planted = planted_files(demo)
    assert len(planted["mislabeled"]) == 3 * len(CLASSES)
    for path in planted["mislabeled"]:
        other = CLASSES[(CLASSES.index(path.parent.name) + 1) % len(CLASSES)]
        seeds = range(N + 10, N + 13)
        assert path.read_bytes() in {jpeg_bytes(draw(other, seed=s)) for s in seeds}
    assert len(planted["near_duplicates"]) == 2 * len(CLASSES)
    for a, b in planted["near_duplicates"]:
        assert a.parent == b.parent and a != b and a.read_bytes() != b.read_bytes()
        with Image.open(a) as big, Image.open(b) as small:
            assert big.size == (SIZE, SIZE) and small.size[0] < SIZE  # smaller, re-encoded
    assert json.loads((demo / "planted.json").read_text())["mislabeled"]


def test_building_again_resumes_and_changes_nothing(demo, capsys):
    before = {p.relative_to(demo): p.read_bytes() for p in demo.rglob("*.jpg")}
    manifests = {label: read_manifest(demo / label) for label in CLASSES}
    build_demo_dataset(demo, n_per_class=N, timeout=2.5, progress=False)
    assert capsys.readouterr() == ("", "")  # quiet: notebooks 02-04 show no paths of this machine
    assert {p.relative_to(demo): p.read_bytes() for p in demo.rglob("*.jpg")} == before
    for label in CLASSES:  # the same rows; only the (new) server port differs in the URLs
        assert len(read_manifest(demo / label)) == len(manifests[label])


def test_the_demo_is_deterministic(demo, tmp_path):
    with DemoWeb(N) as web:
        paths = web.paths("triangle")
    with DemoWeb(N) as web:
        assert web.paths("triangle") == paths
    assert render("square-3") == render("square-3")
    assert render("nonsense-3") is None and render("square-x") is None
    near = Image.open(io.BytesIO(render("circle-7-near")))
    assert near.size[0] < SIZE  # smaller, and re-encoded


def test_planted_files_needs_a_built_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match="build_demo_dataset"):
        planted_files(tmp_path)
