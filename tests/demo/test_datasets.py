"""lesson2.demo.datasets: datasets unlike the demo, each with a test set drawn apart."""

import numpy as np
import pytest
from PIL import Image

from lesson2.dataset.folders import class_folders, image_files
from lesson2.demo.datasets import DATASETS, make_dataset


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_dataset_has_a_training_and_a_test_folder_of_classes(name, tmp_path):
    train, test = make_dataset(name, tmp_path, n_test=5)
    classes = [f.name for f in class_folders(train)]
    assert classes == [f.name for f in class_folders(test)] and len(classes) >= 4
    assert all(len(list(f.iterdir())) == 5 for f in class_folders(test))
    assert len(image_files(train)) >= 100 * len(classes)


def test_the_same_seed_draws_the_same_pictures_and_a_second_call_keeps_them(tmp_path):
    a, _ = make_dataset("letters", tmp_path / "a", n_test=3)
    b, _ = make_dataset("letters", tmp_path / "b", n_test=3)
    first = image_files(a)[0]
    assert first.read_bytes() == (b / first.relative_to(a)).read_bytes()
    stamp = first.stat().st_mtime_ns
    make_dataset("letters", tmp_path / "a")
    assert first.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("name", ["textures", "photos"])
def test_photo_test_crops_never_overlap_training_crops(tmp_path, name):
    train, test = make_dataset(name, tmp_path, n_test=10)
    seen = {np.asarray(Image.open(f)).tobytes() for f in image_files(train)}
    assert not any(np.asarray(Image.open(f)).tobytes() in seen for f in image_files(test))


def test_an_unknown_name_lists_the_choices(tmp_path):
    with pytest.raises(ValueError, match="choose one of digits, textures, letters, arrows, photos"):
        make_dataset("faces", tmp_path)
