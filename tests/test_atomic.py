"""Atomic writes: a failure mid-write leaves the old file whole and no temp file behind."""

import stat

import pytest

from lesson2.atomic import atomic_open, atomic_path, write_bytes, write_text


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
