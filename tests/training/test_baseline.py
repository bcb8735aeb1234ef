"""lesson2.training.baseline: a linear model on the frozen features, scored on validation files."""

import shutil

import pytest

from lesson2.dataset.folders import image_files
from lesson2.training.baseline import linear_baseline


@pytest.mark.slow
def test_the_shapes_are_easy_for_it_and_shuffled_labels_are_not(small_shapes, tmp_path):
    files = image_files(small_shapes)
    train, valid = files[::2], files[1::2]
    assert linear_baseline(small_shapes, train, valid) < 0.35  # five classes: chance is 0.8
    mixed = shutil.copytree(small_shapes, tmp_path / "mixed")
    for i, f in enumerate(image_files(mixed)):  # every picture in the next class but one
        classes = ["circle", "square", "triangle"]
        f.rename(mixed / classes[i % 3] / f"{i}-{f.name}")
    files = image_files(mixed)
    assert linear_baseline(mixed, files[::2], files[1::2]) > 0.45
