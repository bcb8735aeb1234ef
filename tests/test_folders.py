"""Dataset folders: hidden trash, quarantine and temp files are never part of the data."""

import pytest

from lesson2.folders import class_folders, image_files
from lesson2.shapes import draw_dataset


def test_hidden_things_are_skipped(tmp_path):
    draw_dataset(tmp_path, n_per_class=2, size=16)
    for hidden in (".trash/circle/x.jpg", ".quarantine/square/y.jpg", "circle/.tmp-1-2-z.jpg"):
        (tmp_path / hidden).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / hidden).write_bytes(b"")
    (tmp_path / "circle" / "notes.txt").write_text("not an image")
    (tmp_path / "empty").mkdir()
    assert len(image_files(tmp_path)) == 6
    assert all(".tmp" not in p.name for p in image_files(tmp_path))
    assert [f.name for f in class_folders(tmp_path)] == ["circle", "square", "triangle"]


def test_a_missing_folder_says_what_to_do(tmp_path):
    for listing in (image_files, class_folders):
        with pytest.raises(FileNotFoundError, match="lesson2 dataset"):
            listing(tmp_path / "nope")
