"""Applies cleaning decisions to a dataset folder without ever losing a file.

    from lesson2.clean.journal import apply, undo, recover
    apply(path, {"circle/circle_0007.jpg": "delete", "square/square_0003.jpg": "circle"})
    undo(path)     # puts the files of the last apply back where they were
    recover(path)  # after a crash in the middle of an apply: finish it (rollback=True: undo it)

A decision maps an image (its name relative to `path`) to "keep", "delete" or a class name.
Deleting moves the file to path/.trash/<class>/, relabelling moves it to path/<class>/, both
under a name that is free, so nothing is ever overwritten. Each apply is one batch of moves,
appended to path/.cleaning/journal.jsonl and flushed to disk before the first file moves, then
marked done after the last; the journal alone says what happened, so `undo` and `recover` need
nothing else. After every change path/cleaned.csv lists the dataset as (name, label).
"""

import csv
import io
import json
import os
from pathlib import Path

from lesson2.atomic import write_text
from lesson2.dataset.folders import free_name, image_files, is_image_file, vocab_with_empty

KEEP, DELETE = "keep", "delete"
TRASH = ".trash"  # a dot-folder: fastai's get_image_files never looks inside
JOURNAL = Path(".cleaning") / "journal.jsonl"
CLEANED_CSV = "cleaned.csv"


class CleaningError(RuntimeError):
    """A cleaning step that cannot go ahead; the message says what to do."""


def _free_name(path, folder, fname, taken):
    """A name relative to `path` for `fname` in `folder`, free on disk and not yet `taken`."""
    dest = free_name(path / folder, fname, taken)
    taken.add(dest)
    return dest.relative_to(path).as_posix()


def _is_image_in_a_class(path, name):
    """Whether `name` is an image file inside a class folder of the dataset (not the trash)."""
    parts = Path(name).parts
    return (
        len(parts) >= 2
        and not Path(name).is_absolute()
        and not any(part.startswith(".") for part in parts)
        and is_image_file(path / name)
    )


def plan(path, decisions):
    """The (src, dst) moves that carry out `decisions`, with collision-free destinations."""
    path, classes, taken, moves = Path(path), vocab_with_empty(path), set(), []
    for name, action in sorted(decisions.items()):
        src = path / name
        if action == KEEP:
            continue
        if not _is_image_in_a_class(path, name):
            raise CleaningError(
                f"{name} is not an image in {path}: the decisions are out of date; "
                "reload the cleaner (or recompute the suspects) and decide again"
            )
        label = Path(name).parent.as_posix()
        if action == DELETE:
            moves.append((name, _free_name(path, f"{TRASH}/{label}", src.name, taken)))
        elif action in classes:
            if action != label:
                moves.append((name, _free_name(path, action, src.name, taken)))
        else:
            raise CleaningError(
                f"unknown decision {action!r} for {name}: use keep, delete or a class "
                f"({', '.join(classes)}); to add a class, create its folder first"
            )
    return moves


def history(path):
    """The batches in the journal, oldest first: dicts with batch, kind, of, moves and done."""
    journal = Path(path) / JOURNAL
    if not journal.exists():
        return []
    batches = {}
    for n, line in enumerate(_complete_lines(journal), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise CleaningError(f"{journal} line {n} is damaged ({e}): restore it") from e
        if "moves" in record:
            batches[record["batch"]] = {**record, "done": False}
        else:
            batches[record["batch"]]["done"] = True
    return list(batches.values())


def _complete_lines(journal):
    """The journal's lines, without a last one cut short by a crash (its batch never began)."""
    text = journal.read_text(encoding="utf-8")
    return [line for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]


def _log(path, record):
    """Append one record to the journal and make sure it is on disk before going on."""
    journal = Path(path) / JOURNAL
    journal.parent.mkdir(exist_ok=True)
    if journal.exists() and not journal.read_bytes().endswith(b"\n"):
        write_text(journal, "".join(line + "\n" for line in _complete_lines(journal)))
    with open(journal, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def pending(path):
    """The batch that was interrupted before it finished, or None."""
    batches = history(path)
    return batches[-1] if batches and not batches[-1]["done"] else None


def _refuse_if_pending(path):
    batch = pending(path)
    if batch is not None:
        raise CleaningError(
            f"an earlier {batch['kind']} was interrupted before it finished: run "
            "recover(path) or `lesson2 clean DATA --recover` to finish it (rollback=True or "
            "--rollback puts its files back) before making new changes"
        )


def _moved(path, src, dst):
    """Whether the move src -> dst already happened, judged from the files on disk."""
    src_there, dst_there = (path / src).exists(), (path / dst).exists()
    if src_there != dst_there:
        return dst_there
    raise CleaningError(
        f"the folder disagrees with the journal: {src} and {dst} "
        f"{'both exist' if src_there else 'are both missing'}; move the file back by hand"
    )


def _run(path, kind, moves, of=None, on_move=None):
    """Log a batch, carry out its moves, mark it done, refresh cleaned.csv; returns the moves."""
    path = Path(path)
    batch = len(history(path)) + 1
    _log(path, {"batch": batch, "kind": kind, "of": of, "moves": [list(m) for m in moves]})
    _carry_out(path, moves, on_move)
    _log(path, {"batch": batch, "done": True})
    write_cleaned_csv(path)
    return moves


def _carry_out(path, moves, on_move=None):
    for src, dst in moves:
        if not _moved(path, src, dst):
            (path / dst).parent.mkdir(parents=True, exist_ok=True)
            os.replace(path / src, path / dst)
        if on_move is not None:
            on_move(src, dst)


def apply(path, decisions, on_move=None):
    """Carry out `decisions` ({name: keep|delete|class}); returns the (src, dst) moves made."""
    _refuse_if_pending(path)
    moves = plan(path, decisions)
    return _run(path, "apply", moves, on_move=on_move) if moves else []


def undoable(path):
    """The finished applies that no finished undo has reversed yet, oldest first."""
    batches = history(path)
    undone = {b["of"] for b in batches if b["kind"] == "undo" and b["done"]}
    return [b for b in batches if b["kind"] == "apply" and b["done"] and b["batch"] not in undone]


def undo(path, on_move=None):
    """Reverse the last apply that is not yet undone; returns the (src, dst) moves made."""
    _refuse_if_pending(path)
    batches = undoable(path)
    if not batches:
        raise CleaningError(f"nothing to undo in {path}: no apply is left to reverse")
    last = batches[-1]
    back = [(dst, src) for src, dst in reversed(last["moves"])]
    for now, before in back:
        if not (Path(path) / now).exists() or (Path(path) / before).exists():
            raise CleaningError(
                f"cannot undo: {now} should exist and {before} should be free, but the folder "
                "was changed by hand since; put those files back as they were and undo again"
            )
    return _run(path, "undo", back, of=last["batch"], on_move=on_move)


def recover(path, rollback=False):
    """Finish the interrupted batch (or put its moved files back); returns what was done."""
    path = Path(path)
    batch = pending(path)
    if batch is None:
        return "nothing to recover"
    if not rollback or batch["kind"] == "rollback":  # a rollback is only ever finished
        _carry_out(path, batch["moves"])
        _log(path, {"batch": batch["batch"], "done": True})
        write_cleaned_csv(path)
        return f"finished the interrupted {batch['kind']} ({len(batch['moves'])} moves)"
    done = [(dst, src) for src, dst in reversed(batch["moves"]) if _moved(path, src, dst)]
    _run(path, "rollback", done, of=batch["batch"])
    return f"rolled back the interrupted {batch['kind']} ({len(done)} files put back)"


def write_cleaned_csv(path):
    """Write path/cleaned.csv: one (name, label) row per image, for a `from_csv` style flow."""
    path, out = Path(path), io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "label"])
    for f in image_files(path):
        name = f.relative_to(path).as_posix()
        writer.writerow([name, Path(name).parent.as_posix()])
    write_text(path / CLEANED_CSV, out.getvalue())
    return path / CLEANED_CSV


def read_decisions(fname):
    """Decisions from a CSV file with columns `name` and `action` (keep, delete or a class)."""
    with open(fname, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if rows and not {"name", "action"} <= rows[0].keys():
        raise CleaningError(
            f"{fname} needs the columns name,action (found {', '.join(rows[0])}): "
            "one row per image, action keep, delete or a class name"
        )
    return {row["name"]: row["action"].strip() for row in rows}


def follow(path, names):
    """`names` (relative to `path`) as the last batch of moves left them: a relabelled picture, its
    new name; a deleted one, left out. To measure again on the same pictures after cleaning."""
    batches = history(path)
    moves = dict(batches[-1]["moves"]) if batches else {}
    moved = (moves.get(n, n) for n in names)
    return [n for n in moved if not n.startswith(TRASH + "/")]
