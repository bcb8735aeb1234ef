"""Applying decisions: files move, nothing is lost or duplicated, undo and recovery work."""

import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lesson2.clean import journal as cleaning
from lesson2.clean.journal import (
    CleaningError,
    apply,
    follow,
    history,
    pending,
    plan,
    recover,
    undo,
)

CLASSES = ("circle", "square", "triangle")  # the classes of the little_shapes fixture


def write_decisions(fname, decisions):
    """A decisions CSV as a person writes one for `lesson2 clean --apply`."""
    with open(fname, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("name", "action"), *sorted(decisions.items())])
    return fname


def contents(path):
    """The multiset of file contents (SHA-256) under path, trash included, journal excluded."""
    return Counter(
        hashlib.sha256(f.read_bytes()).hexdigest()
        for f in path.rglob("*.jpg")
        if f.is_file() and ".cleaning" not in f.parts
    )


def names(path, folder):
    return sorted(f.name for f in (path / folder).iterdir())


@pytest.fixture
def path(dataset_copy):
    return dataset_copy


def test_delete_and_relabel_move_files_and_undo_puts_them_back(path):
    before = contents(path)
    moves = apply(path, {"circle/circle_0001.jpg": "delete", "square/square_0002.jpg": "circle"})
    assert moves == [
        ("circle/circle_0001.jpg", ".trash/circle/circle_0001.jpg"),
        ("square/square_0002.jpg", "circle/square_0002.jpg"),
    ]
    assert (path / ".trash/circle/circle_0001.jpg").exists()
    assert "square_0002.jpg" in names(path, "circle")
    assert contents(path) == before
    undo(path)
    assert names(path, "circle") == [f"circle_000{i}.jpg" for i in range(4)]
    assert names(path, "square") == [f"square_000{i}.jpg" for i in range(4)]
    assert contents(path) == before


def test_follow_names_the_pictures_as_the_last_apply_left_them(path):
    names = ["circle/circle_0001.jpg", "square/square_0002.jpg", "square/square_0003.jpg"]
    assert follow(path, names) == names  # nothing applied yet
    apply(path, {"circle/circle_0001.jpg": "delete", "square/square_0002.jpg": "circle"})
    assert follow(path, names) == ["circle/square_0002.jpg", "square/square_0003.jpg"]
    assert all((path / name).is_file() for name in follow(path, names))


def test_relabel_never_overwrites_a_file_with_the_same_name(path):
    (path / "circle/circle_0000.jpg").replace(path / "circle/same.jpg")
    (path / "square/square_0000.jpg").replace(path / "square/same.jpg")
    (path / "circle/same-1.jpg").write_bytes((path / "circle/circle_0002.jpg").read_bytes())
    before = contents(path)
    moves = apply(path, {"square/same.jpg": "circle", "triangle/triangle_0000.jpg": "delete"})
    assert ("square/same.jpg", "circle/same-2.jpg") in moves
    apply(path, {"circle/same.jpg": "delete"})
    apply(path, {"circle/same-1.jpg": "delete"})
    assert names(path, ".trash/circle") == ["same-1.jpg", "same.jpg"]
    assert contents(path) == before


def test_keep_and_own_class_are_no_ops(path):
    decisions = {"circle/circle_0000.jpg": "keep", "square/square_0000.jpg": "square"}
    assert plan(path, decisions) == []
    assert apply(path, decisions) == []
    assert history(path) == []  # nothing for undo to reverse


def test_cleaned_csv_lists_the_dataset_after_each_change(path):
    apply(path, {"circle/circle_0000.jpg": "triangle", "square/square_0003.jpg": "delete"})
    with open(path / "cleaned.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 11
    assert {"name": "triangle/circle_0000.jpg", "label": "triangle"} in rows
    assert not any(r["name"].startswith(".trash") or "square_0003" in r["name"] for r in rows)
    undo(path)
    with open(path / "cleaned.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 12


def test_undo_is_last_in_first_out_and_stops_when_nothing_is_left(path):
    apply(path, {"circle/circle_0000.jpg": "square"})
    apply(path, {"square/circle_0000.jpg": "delete"})
    undo(path)
    assert (path / "square/circle_0000.jpg").exists()
    undo(path)
    assert (path / "circle/circle_0000.jpg").exists()
    with pytest.raises(CleaningError, match="nothing to undo"):
        undo(path)


def test_bad_decisions_say_what_to_do(path):
    with pytest.raises(CleaningError, match=r"unknown decision 'dog'.*create its folder"):
        apply(path, {"circle/circle_0000.jpg": "dog"})
    with pytest.raises(CleaningError, match="out of date"):
        apply(path, {"circle/gone.jpg": "delete"})
    (path.parent / "outside.jpg").write_bytes(b"not in the dataset")
    for name in ["../outside.jpg", str(path.parent / "outside.jpg"), "cleaned.csv"]:
        with pytest.raises(CleaningError, match="out of date"):
            apply(path, {name: "delete"})
    assert (path.parent / "outside.jpg").exists()
    assert history(path) == []


def test_undo_refuses_when_the_folder_was_changed_by_hand(path):
    apply(path, {"circle/circle_0000.jpg": "delete"})
    (path / "circle/circle_0000.jpg").write_bytes(b"a new file where the old one was")
    with pytest.raises(CleaningError, match="changed by hand"):
        undo(path)
    assert pending(path) is None


class Crash(Exception):
    pass


def crash_after(k):
    calls = []

    def on_move(src, dst):
        calls.append(src)
        if len(calls) == k:
            raise Crash(f"simulated crash after {k} moves")

    return on_move


DECISIONS = {f"{c}/{c}_000{i}.jpg": "delete" for c in CLASSES for i in range(3)}


def test_crash_mid_apply_is_finished_by_recover(path):
    before = contents(path)
    with pytest.raises(Crash):
        apply(path, DECISIONS, on_move=crash_after(4))
    assert len(names(path, ".trash/circle")) == 3 and not (path / ".trash/triangle").exists()
    with pytest.raises(CleaningError, match=r"interrupted.*recover"):
        apply(path, {"square/square_0003.jpg": "delete"})
    assert "finished" in recover(path)
    assert sum(len(names(path, f".trash/{c}")) for c in CLASSES) == 9
    assert contents(path) == before
    undo(path)
    assert sum(len(names(path, c)) for c in CLASSES) == 12


def test_crash_mid_apply_can_be_rolled_back(path):
    before = contents(path)
    with pytest.raises(Crash):
        apply(path, DECISIONS, on_move=crash_after(5))
    assert "5 files put back" in recover(path, rollback=True)
    assert not any((path / ".trash" / c).exists() and names(path, f".trash/{c}") for c in CLASSES)
    assert contents(path) == before
    with pytest.raises(CleaningError, match="nothing to undo"):
        undo(path)
    assert recover(path) == "nothing to recover"


def test_half_written_journal_line_is_dropped(path):
    apply(path, {"circle/circle_0000.jpg": "delete"})
    with open(path / cleaning.JOURNAL, "a") as f:
        f.write('{"batch": 2, "kind": "app')  # the power went out here
    assert pending(path) is None
    apply(path, {"circle/circle_0001.jpg": "delete"})
    assert [b["batch"] for b in history(path)] == [1, 2]
    undo(path)
    undo(path)
    assert names(path, "circle") == [f"circle_000{i}.jpg" for i in range(4)]


CRASHING_APPLY = """
import sys, time
from lesson2.clean.journal import apply
classes = ("circle", "square", "triangle")
decisions = {f"{c}/{c}_000{i}.jpg": "delete" for c in classes for i in range(4)}
apply(sys.argv[1], decisions, on_move=lambda src, dst: (print(src, flush=True), time.sleep(0.2)))
"""


@pytest.mark.slow
def test_killed_process_mid_apply_is_recoverable(path):
    before = contents(path)
    script = textwrap.dedent(CRASHING_APPLY)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    for _ in range(3):
        proc.stdout.readline()  # three files have moved
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert pending(path) is not None
    moved = sum(1 for _ in (path / ".trash").rglob("*.jpg"))
    assert 3 <= moved < 12
    recover(path)
    assert sum(1 for _ in (path / ".trash").rglob("*.jpg")) == 12
    assert contents(path) == before


def test_decisions_file_round_trip_and_bad_columns(path, tmp_path):
    fname = write_decisions(tmp_path / "d.csv", {"circle/circle_0000.jpg": "square"})
    assert cleaning.read_decisions(fname) == {"circle/circle_0000.jpg": "square"}
    (tmp_path / "bad.csv").write_text("file,label\ncircle/circle_0000.jpg,square\n")
    with pytest.raises(CleaningError, match="needs the columns name,action"):
        cleaning.read_decisions(tmp_path / "bad.csv")


# --- the property: whatever happens, every file is still there exactly once -------------------
@pytest.fixture(scope="module")
def same_names(little_shapes, tmp_path_factory):
    """The small dataset with the same file names in every class: every relabel collides."""
    dest = shutil.copytree(little_shapes, tmp_path_factory.mktemp("same") / "data")
    for f in dest.glob("*/*.jpg"):
        f.rename(f.with_name(f.name[-8:]))  # circle/circle_0001.jpg -> circle/0001.jpg
    return dest


ACTIONS = ("keep", "delete", *CLASSES)
steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("apply"),
            st.dictionaries(st.integers(0, 11), st.sampled_from(ACTIONS), max_size=6),
            st.one_of(st.none(), st.integers(1, 4)),  # crash after that many moves
        ),
        st.tuples(st.just("undo")),
        st.tuples(st.just("recover"), st.booleans()),
    ),
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_no_sequence_of_applies_undos_and_crashes_loses_or_duplicates_a_file(
    same_names, tmp_path, steps
):
    path = tmp_path / f"run{time.monotonic_ns()}"
    subprocess.run(["cp", "-r", str(same_names), str(path)], check=True)
    before = contents(path)
    for step in steps:
        files = sorted(f.relative_to(path).as_posix() for f in path.glob("*/*.jpg"))
        try:
            if step[0] == "apply":
                decisions = {files[i % len(files)]: a for i, a in step[1].items() if files}
                apply(path, decisions, on_move=crash_after(step[2]) if step[2] else None)
            elif step[0] == "undo":
                undo(path)
            else:
                recover(path, rollback=step[1])
        except (CleaningError, Crash):
            pass  # refused or crashed: the files must still all be there
        assert contents(path) == before
    recover(path)
    while cleaning.undoable(path):
        undo(path)
    assert contents(path) == before
    assert sorted(f.relative_to(path).as_posix() for f in path.glob("*/*.jpg")) == sorted(
        f.relative_to(same_names).as_posix() for f in same_names.glob("*/*.jpg")
    )
