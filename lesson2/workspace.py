"""Where lesson2 keeps its data, and which dataset notebooks 02-04 use.

from lesson2.workspace import chosen_dataset, data_dir, use_dataset
path = data_dir() / "shapes"   # $LESSON2_DATA, or ~/.lesson2 when unset
use_dataset("~/bears")         # notebook 01 online: 02, 03 and 04 now train on your bears
chosen_dataset()               # that folder; None after use_dataset(None)

Notebooks 02-04 call `lesson2.demo.build.lesson_dataset()`: the chosen one, else the demo.
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
    from lesson2.dataset.folders import check_dataset, dataset_folder

    choice = data_dir() / CHOICE
    if path is None:
        choice.unlink(missing_ok=True)
        return None
    check_dataset(path)  # a folder of class folders with pictures, or an error saying what is not
    path = dataset_folder(path).resolve()
    write_text(choice, f"{path}\n")
    return path


def chosen_dataset():
    """The dataset chosen with `use_dataset`, or None when none is (the demo, then)."""
    choice = data_dir() / CHOICE
    if not choice.is_file():
        return None
    path = Path(choice.read_text().strip())
    if not path.is_dir():
        raise FileNotFoundError(
            f"{choice} names {path}, which is gone: run notebook 01 again, "
            "or use_dataset(None) to go back to the demo"
        )
    return path
