"""Dataset folders: hidden trash, quarantine and temp files are never part of the data."""

import pytest

from lesson2.dataset.folders import class_folders, free_name, image_files, vocab_with_empty
from lesson2.demo.shapes import draw_dataset

THREE = ("circle", "square", "triangle")  # the counts below are for three classes


def test_hidden_things_are_skipped(tmp_path):
    draw_dataset(tmp_path, classes=THREE, n_per_class=2, size=16)
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


def test_vocab_with_empty_lists_empty_class_folders_but_not_hidden_ones(tmp_path):
    for folder in ("cat", "dog", ".trash", ".cleaning"):
        (tmp_path / folder).mkdir()
    (tmp_path / "cat/a.jpg").write_bytes(b"x")
    assert vocab_with_empty(tmp_path) == ["cat", "dog"]
    assert [f.name for f in class_folders(tmp_path)] == ["cat"]


def test_free_name_skips_files_on_disk_and_names_taken_in_the_batch(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"x")
    (tmp_path / "a-1.jpg").write_bytes(b"x")
    taken = {tmp_path / "a-2.jpg"}
    first = free_name(tmp_path, "a.jpg", taken)
    assert first == tmp_path / "a-3.jpg"
    taken.add(first)
    assert free_name(tmp_path, "a.jpg", taken) == tmp_path / "a-4.jpg"
    assert free_name(tmp_path, "b.jpg") == tmp_path / "b.jpg"
