"""lesson2.demo.shapes: the demo classes, drawn the same on every machine."""

import numpy as np
import pytest
from PIL import Image

from lesson2.demo.shapes import CLASSES, draw, draw_dataset, save_jpeg


def test_a_picture_is_a_function_of_label_and_seed():
    a, b, c = (
        draw("circle", seed=3, size=64),
        draw("circle", seed=3, size=64),
        draw("circle", 4, 64),
    )
    assert a.size == (64, 64) and a.mode == "RGB"
    assert a.tobytes() == b.tobytes() != c.tobytes()


def test_the_classes_differ_by_outline_not_by_colour():
    """Mean colour says nothing about the class: the pictures of each class span the colours."""
    means = {
        label: [np.asarray(draw(label, s, 48)).mean((0, 1)) for s in range(30)] for label in CLASSES
    }
    centres = np.array([np.mean(m, 0) for m in means.values()])
    spread = np.mean([np.std(m, 0).mean() for m in means.values()])
    assert np.ptp(centres, 0).max() < spread


def test_an_unknown_class_is_refused():
    with pytest.raises(ValueError, match="unknown demo class 'star'"):
        draw("star")


def test_draw_dataset_writes_class_folders_of_jpegs(tmp_path):
    paths = draw_dataset(tmp_path, n_per_class=3, size=32, seed=1)
    assert list(paths) == list(CLASSES)
    assert sorted(p.name for p in (tmp_path / "square").iterdir()) == [
        "square_0000.jpg",
        "square_0001.jpg",
        "square_0002.jpg",
    ]
    assert Image.open(paths["triangle"][0]).format == "JPEG"


def test_save_jpeg_leaves_no_temp_file(tmp_path):
    save_jpeg(draw("circle", size=16), tmp_path / "c.jpg")
    assert [p.name for p in tmp_path.iterdir()] == ["c.jpg"]
