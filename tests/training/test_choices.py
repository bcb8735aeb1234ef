"""lesson2.training.choices: the size and the augmentations the pictures call for, with reasons."""

import pytest
from PIL import Image

from lesson2.demo.datasets import make_dataset
from lesson2.demo.shapes import draw_dataset
from lesson2.training.choices import MIN_SIZE, choose, choose_size
from lesson2.training.plan import plan_for


def pictures(folder, side, n=6):
    folder.mkdir(parents=True)
    for i in range(n):
        Image.new("RGB", (side, side + 10 * i)).save(folder / f"p{i}.png")
    return sorted(folder.iterdir())


@pytest.mark.parametrize(
    ("side", "largest", "size"),
    [(8, 128, MIN_SIZE), (70, 224, MIN_SIZE), (150, 224, 160), (500, 224, 224), (70, 96, 96)],
)
def test_the_size_follows_the_pictures_within_what_the_body_works_at(tmp_path, side, largest, size):
    files = pictures(tmp_path / "a", side)
    assert choose_size(files, largest) == (size, side)


def test_what_the_plan_sets_is_kept_and_not_measured(tmp_path):
    draw_dataset(tmp_path, n_per_class=4, size=40)
    plan, reasons = choose(
        tmp_path, plan_for("cpu", size=32, flip=False, turns=False, min_scale=0.5)
    )
    assert (plan.size, plan.flip, plan.turns, reasons) == (32, False, False, [])


@pytest.mark.slow
def test_mirror_images_of_letters_change_their_class(tmp_path):
    train, _ = make_dataset("letters", tmp_path)
    plan, reasons = choose(train, plan_for("cpu"))
    assert plan.size == MIN_SIZE and not plan.flip and not plan.turns
    assert reasons[0].startswith(f"size {MIN_SIZE} px: the pictures are 28 px")
    assert "mirror images: off" in reasons[1] and "changes the class" in reasons[1]


@pytest.mark.slow
def test_mirror_images_and_quarter_turns_of_textures_keep_their_class(tmp_path):
    train, _ = make_dataset("textures", tmp_path)
    plan, reasons = choose(train, plan_for("cpu", size=64))
    assert plan.flip and plan.turns, reasons
    assert "mirror images: on" in reasons[0] and "keeps the class" in reasons[0]
