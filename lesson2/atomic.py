"""Writing files so that a crash leaves the old file or the new one, never half of one.

    from lesson2.atomic import atomic_path, atomic_open, write_bytes, write_text
    write_bytes("dest/cat.jpg", data)
    with atomic_open("data/cleaned.csv", "w", newline="") as f:
        f.write("name,label\\n")
    with atomic_path("model.pkl") as tmp:      # for savers that want a path
        learn.export(tmp)
    write_with("model.pkl", learn.export)     # the same, in one call

The data goes to a hidden temp file in the same folder (so the rename never crosses file
systems), which replaces the target only once it is complete. Tools that list a dataset skip
hidden files, and `remove_stale(folder)` removes the ones a killed process left behind.
"""

import contextlib
import os
import threading
from pathlib import Path

MODE = 0o644  # readable by everyone, like files written with open()
PREFIX = ".tmp-"  # temp files are named .tmp-<pid>-<thread>-<target name>


def _temp_name(path):
    return path.with_name(f"{PREFIX}{os.getpid()}-{threading.get_ident()}-{path.name}")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale(folder):
    """Delete the temp files in `folder` that a process killed mid-write left; returns them.

    Temp files of processes still running are left alone: they may be mid-write."""
    stale = []
    for tmp in Path(folder).glob(f"{PREFIX}*"):
        pid = tmp.name.removeprefix(PREFIX).split("-", 1)[0]
        if not pid.isdigit() or not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
            stale.append(tmp)
    return stale


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temp path beside `path`; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        yield tmp
        os.chmod(tmp, MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(path, mode="w", **kwargs):
    """open() for writing, atomically: `mode` is 'w' or 'wb'."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode must be 'w' or 'wb', not {mode!r}")
    if mode == "w":
        kwargs.setdefault("encoding", "utf-8")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as f:
        yield f


def write_bytes(path, data):
    """Write `data` atomically; returns the Path."""
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def write_text(path, text):
    """Write `text` as UTF-8 with Unix line ends, atomically; returns the Path."""
    with atomic_open(path, "w", newline="\n") as f:
        f.write(text)
    return Path(path)


def write_with(path, write):
    """Call `write(tmp)` for a temp path beside `path`, then rename it to `path`; returns the
    absolute Path."""
    path = Path(path).expanduser().absolute()
    with atomic_path(path) as tmp:
        write(tmp)
    return path
