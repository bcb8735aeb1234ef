"""Where lesson2 keeps its data: `$LESSON2_DATA`, or ~/.lesson2 when unset.

from lesson2.paths import data_dir
path = data_dir() / "shapes"
"""

import os
from pathlib import Path


def data_dir():
    """The folder for datasets and models (created if missing)."""
    path = Path(os.environ.get("LESSON2_DATA") or Path.home() / ".lesson2").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path
