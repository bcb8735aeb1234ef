"""lesson2.demo.planted: planted mislabels and copies, and the answers to check a cleaner with."""

import numpy as np
import pytest
from PIL import Image

from lesson2.clean.similar import DuplicateGroup
from lesson2.dataset.folders import image_files
from lesson2.demo.planted import (
    TRANSFORMS,
    copies_found,
    is_demo,
    plant_copies,
    plant_mislabels,
    planted_files,
    transform,
)
from lesson2.demo.shapes import draw, draw_dataset

THREE = ("circle", "square", "triangle")  # the counts below are for three classes


def test_copies_found_counts_grouped_pairs_and_groups_without_a_planted_picture():
    groups = [
        DuplicateGroup(("a/1.jpg", "a/1c.jpg", "a/9.jpg"), 0.99, False),
        DuplicateGroup(("b/4.jpg", "b/5.jpg"), 0.95, False),
    ]
    pairs = [("a/1.jpg", "a/1c.jpg"), ("b/2.jpg", "b/2c.jpg")]
    found, strays = copies_found(groups, pairs)
    assert found == 1 and strays == [groups[1]]


def test_plant_mislabels_moves_the_share_asked_and_biased_noise_goes_one_way(tmp_path):
    draw_dataset(tmp_path / "random", classes=THREE, n_per_class=10, size=24)
    draw_dataset(tmp_path / "biased", classes=THREE, n_per_class=10, size=24)
    moved = plant_mislabels(tmp_path / "random", fraction=0.2, seed=1)
    assert len(moved) == 6 and len(image_files(tmp_path / "random")) == 30  # moved, not copied
    assert all(m.split("/")[1].startswith("moved-") for m in moved)
    assert all(
        not m.startswith(m.split("/")[1].removeprefix("moved-").split("_")[0]) for m in moved
    )
    biased = plant_mislabels(tmp_path / "biased", fraction=0.2, seed=1, biased=True)
    nxt = {c: THREE[(i + 1) % 3] for i, c in enumerate(THREE)}
    assert all(m.split("/")[0] == nxt[m.split("/")[1][6:].split("_")[0]] for m in biased)


@pytest.mark.parametrize("kind", TRANSFORMS)
def test_each_transform_keeps_most_of_the_picture(kind):
    img = draw("square", seed=2, size=96)
    out = transform(img, kind, np.random.default_rng(0))
    assert out.mode == "RGB" and out.size[0] >= 40
    assert out.tobytes() != img.tobytes()
    with pytest.raises(ValueError, match="unknown transform"):
        transform(img, "blur", np.random.default_rng(0))


def test_plant_copies_saves_copies_beside_their_originals(tmp_path):
    draw_dataset(tmp_path, n_per_class=5, size=48)
    pairs = plant_copies(tmp_path, n=4, seed=0)
    assert len(pairs) == 4
    for original, copy in pairs:
        assert original.split("/")[0] == copy.split("/")[0] and (tmp_path / copy).is_file()
        Image.open(tmp_path / copy).verify()


def test_planted_files_belong_to_the_demo_only(tmp_path):
    draw_dataset(tmp_path, n_per_class=2, size=16)
    assert not is_demo(tmp_path)
    with pytest.raises(FileNotFoundError, match="only the demo dataset"):
        planted_files(tmp_path)
