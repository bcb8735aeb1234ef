"""Writing files so that a crash leaves the old file or the new one, never half of one.

    from lesson2.atomic import atomic_path, atomic_open, write_bytes, write_text
    write_bytes("dest/cat.jpg", data)
    with atomic_open("data/cleaned.csv", "w", newline="") as f:
        f.write("name,label\\n")
    with atomic_path("model.pkl") as tmp:      # for savers that want a path
        learn.export(tmp)

The data goes to a hidden temp file in the same folder (so the rename never crosses file
systems), which replaces the target only once it is complete. Tools that list a dataset skip
hidden files, and the next download run removes any a crash left behind.
"""

import contextlib
import os
import threading
from pathlib import Path

MODE = 0o644  # readable by everyone, like files written with open()


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temp path beside `path`; on success it replaces `path`, on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{path.name}")
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
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def write_text(path, text):
    with atomic_open(path, "w") as f:
        f.write(text)
    return Path(path)
