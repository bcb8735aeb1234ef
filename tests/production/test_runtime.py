"""lesson2.production.runtime: one pinned ONNX Runtime Web, found in the checkout or fetched with
npm and checked against the lock file's sha512; clear messages when it cannot be had."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lesson2.production import runtime
from lesson2.production.runtime import (
    ENV,
    FILES,
    INTEGRITY,
    LICENSE,
    VERSION,
    RuntimeNotFound,
    check_package,
    copy_runtime,
    fetch,
    find_runtime,
)

ROOT = Path(__file__).resolve().parents[2]


def fake_package(folder, version=VERSION, files=FILES):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(
        json.dumps({"name": "onnxruntime-web", "version": version})
    )
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"// " + name.encode())
    return folder


def test_the_pin_is_the_checkouts_package_json_and_lock_file():
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["onnxruntime-web"]
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    entry = locked["node_modules/onnxruntime-web"]
    assert wanted == VERSION == entry["version"]
    assert entry["integrity"] == INTEGRITY and entry["license"] == LICENSE


def test_a_package_folder_is_checked_for_version_and_files(tmp_path):
    assert check_package(fake_package(tmp_path / "good")) is None
    assert "1.2.3, and lesson2 needs" in check_package(fake_package(tmp_path / "old", "1.2.3"))
    assert "lacks dist/" in check_package(fake_package(tmp_path / "bare", files=()))
    assert "no onnxruntime-web package.json" in check_package(tmp_path / "nothing")


def test_the_environment_variable_wins_and_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(fake_package(tmp_path / "mine")))
    assert find_runtime() == tmp_path / "mine"
    monkeypatch.setenv(ENV, str(fake_package(tmp_path / "old", "1.0.0")))
    with pytest.raises(RuntimeNotFound, match=f"{ENV}: .* 1.0.0"):
        find_runtime()


def test_without_npm_the_message_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it
    with pytest.raises(RuntimeNotFound, match="apt-get install npm") as e:
        fetch(tmp_path / "cache")
    assert ENV in str(e.value) and not (tmp_path / "cache").exists()


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path):
    """A stand-in npm whose `pack` writes a tarball of other bytes (a tampering proxy)."""
    other = fake_package(tmp_path / "src" / "package")
    npm = tmp_path / "npm"
    tarball = f"onnxruntime-web-{VERSION}.tgz"
    npm.write_text(f"#!/bin/sh\ntar czf {tarball} -C {other.parent} package\n")
    npm.chmod(0o755)
    with pytest.raises(RuntimeNotFound, match="does not match the pinned sha512"):
        fetch(tmp_path / "cache", npm=str(npm))
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_npm_fetches_the_pinned_package_into_the_cache(tmp_path):
    dest = fetch(tmp_path / "cache")
    assert check_package(dest) is None
    kept = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert kept == sorted(["package.json", *FILES])  # the page's files, not the whole 90 MB
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]  # no temp folder left over


def test_the_site_gets_the_files_its_licence_and_version(tmp_path):
    names = copy_runtime(fake_package(tmp_path / "pkg"), tmp_path / "site" / "ort")
    found = sorted(p.name for p in (tmp_path / "site" / "ort").iterdir())
    assert found == sorted(names) == sorted([*FILES.values(), "LICENSE.txt", "README.txt"])
    assert "MIT License" in (tmp_path / "site" / "ort" / "LICENSE.txt").read_text()
    note = (tmp_path / "site" / "ort" / "README.txt").read_text()
    assert VERSION in note and INTEGRITY in note and "licence MIT" in note


def test_the_cache_is_in_the_lesson2_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSON2_DATA", str(tmp_path))
    assert runtime.cache_dir() == tmp_path / "cache" / f"onnxruntime-web-{VERSION}"


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_make_web_runtime_installs_the_locked_version():
    """`make web-runtime` (npm ci) has run before the tests: the checkout holds the pinned one."""
    folder = os.environ.get(ENV) or runtime.CHECKOUT
    assert check_package(folder) is None, "run `make web-runtime` (npm ci)"
    done = subprocess.run(["npm", "ls", "onnxruntime-web", "--json"], cwd=ROOT, capture_output=True)
    assert json.loads(done.stdout)["dependencies"]["onnxruntime-web"]["version"] == VERSION
