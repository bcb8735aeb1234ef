"""Atomic writes: a failure mid-write leaves the old file whole and no temp file behind."""

import os
import stat
import subprocess
import sys

import pytest

from lesson2.atomic import atomic_open, atomic_path, remove_stale, write_bytes, write_text


def test_write_replaces_whole_files(tmp_path):
    target = tmp_path / "sub" / "notes.txt"
    write_text(target, "first")
    write_text(target, "second")
    assert target.read_text() == "second"
    assert write_bytes(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failure_mid_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "cleaned.csv"
    write_text(target, "name,label\na.jpg,cat\n")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as f:
        f.write("name,label\n")
        raise RuntimeError("the power went out")
    assert target.read_text() == "name,label\na.jpg,cat\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cleaned.csv"]


def test_atomic_path_for_savers_that_want_a_path(tmp_path):
    with atomic_path(tmp_path / "model.pkl") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".tmp-")
        tmp.write_bytes(b"model")
        assert not (tmp_path / "model.pkl").exists()
    assert (tmp_path / "model.pkl").read_bytes() == b"model"


def test_only_whole_file_modes(tmp_path):
    with pytest.raises(ValueError, match="whole files"), atomic_open(tmp_path / "x", "a"):
        pass


def test_remove_stale_removes_only_temp_files_of_dead_processes(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = tmp_path / f".tmp-{dead}-1-cat.jpg"
    live = tmp_path / f".tmp-{os.getpid()}-1-dog.jpg"
    kept = tmp_path / "cat.jpg"
    for f in (stale, live, kept):
        f.write_bytes(b"x")
    assert remove_stale(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and kept.exists()
