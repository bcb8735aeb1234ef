"""Where lesson2 keeps its data, and which dataset notebooks 02-04 use.

from lesson2.paths import data_dir, lesson_dataset, use_dataset
path = data_dir() / "shapes"   # $LESSON2_DATA, or ~/.lesson2 when unset
use_dataset("~/bears")         # notebook 01 online: 02, 03 and 04 now train on your bears
path = lesson_dataset()        # the dataset chosen last, else the offline demo (built once)
"""

import os
from pathlib import Path

CHOICE = "dataset.txt"  # in data_dir(): the folder use_dataset chose


def data_dir():
    """The folder for datasets and models (created if missing)."""
    path = Path(os.environ.get("LESSON2_DATA") or Path.home() / ".lesson2").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def use_dataset(path):
    """Make the folder of class folders `path` the dataset of notebooks 02-04; None: the demo."""
    from lesson2.atomic import write_text

    choice = data_dir() / CHOICE
    if path is None:
        choice.unlink(missing_ok=True)
        return None
    path = Path(path).expanduser().resolve()
    if not path.is_dir():
        raise FileNotFoundError(f"no folder at {path}: build the dataset first (notebook 01)")
    write_text(choice, f"{path}\n")
    return path


def lesson_dataset():
    """The dataset chosen with `use_dataset`, else the offline demo shapes (built on first use)."""
    choice = data_dir() / CHOICE
    if choice.is_file():
        path = Path(choice.read_text().strip())
        if not path.is_dir():
            raise FileNotFoundError(
                f"{choice} names {path}, which is gone: run notebook 01 again, "
                "or use_dataset(None) to go back to the demo"
            )
        return path
    from lesson2.offline import build_demo_dataset

    return build_demo_dataset(progress=False)
