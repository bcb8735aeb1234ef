"""`lesson2 clean`: suspects and copies printed, decisions applied, undone and recovered."""

import csv

import pytest

from lesson2.clean.journal import apply
from lesson2.cli import main

CLASSES = ("circle", "square", "triangle")  # the classes of the little_shapes fixture


def write_decisions(fname, decisions):
    """A decisions CSV as a person writes one for `lesson2 clean --apply`."""
    with open(fname, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("name", "action"), *sorted(decisions.items())])
    return fname


@pytest.fixture
def path(dataset_copy):
    return dataset_copy


def test_cli_prints_duplicates_applies_and_undoes(path, tmp_path, capsys):
    (path / "square/copy.jpg").write_bytes((path / "circle/circle_0001.jpg").read_bytes())
    assert main(["clean", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "1 groups of copies" in out and "same bytes: circle/circle_0001.jpg, square/copy.jpg" in out
    )
    decisions = write_decisions(tmp_path / "d.csv", {"square/copy.jpg": "delete"})
    assert main(["clean", str(path), "--apply", str(decisions)]) == 0
    assert "square/copy.jpg -> .trash/square/copy.jpg" in capsys.readouterr().out
    assert (path / ".trash/square/copy.jpg").exists()
    assert main(["clean", str(path), "--undo"]) == 0
    assert (path / "square/copy.jpg").exists()
    assert main(["clean", str(path), "--undo"]) == 1
    assert "nothing to undo" in capsys.readouterr().err


def test_cli_recovers_an_interrupted_apply(path, capsys):
    decisions = {f"{c}/{c}_000{i}.jpg": "delete" for c in CLASSES for i in range(3)}
    moved = []

    def crash_after_two(src, dst):
        moved.append(src)
        if len(moved) == 2:
            raise KeyboardInterrupt  # as a person stopping it mid-way would

    with pytest.raises(KeyboardInterrupt):
        apply(path, decisions, on_move=crash_after_two)
    assert main(["clean", str(path), "--recover", "--rollback"]) == 0
    assert "2 files put back" in capsys.readouterr().out
    assert not list((path / ".trash").rglob("*.jpg"))


def test_cli_explains_missing_folder_and_decisions_file(path, tmp_path, capsys):
    assert main(["clean", str(tmp_path / "nope")]) == 2
    assert "no dataset folder" in capsys.readouterr().err
    assert main(["clean", str(path), "--rollback"]) == 2
    assert "goes with --recover" in capsys.readouterr().err
    assert main(["clean", str(path), "--apply", str(tmp_path / "missing.csv")]) == 1
    assert "no decisions file" in capsys.readouterr().err
