"""lesson2.demo.outsiders: pictures of no demo class, real photos and shapes in the demo's style."""

import numpy as np
import pytest
from PIL import Image

from lesson2.demo.outsiders import NEAR, PHOTOS, draw_near, near_shapes, real_photos


def test_near_shapes_are_drawn_in_the_demo_style_and_are_repeatable():
    pairs = near_shapes(8, size=48)
    assert [s for s, _ in pairs] == list(NEAR) * 2
    assert all(img.size == (48, 48) and img.mode == "RGB" for _, img in pairs)
    assert np.array_equal(np.asarray(draw_near("star", 3, 48)), np.asarray(pairs[4][1])) is False
    assert np.array_equal(np.asarray(draw_near("star", 4, 48)), np.asarray(pairs[4][1]))
    with pytest.raises(ValueError, match="unknown near-domain shape"):
        draw_near("circle")


def test_real_photos_are_rgb_pictures_from_inside_the_scikit_image_wheel():
    photos = real_photos(("chelsea", "moon", "text"))
    assert list(photos) == ["chelsea", "moon", "text"]  # greyscale ones too, as RGB
    assert all(isinstance(img, Image.Image) and img.mode == "RGB" for img in photos.values())
    assert len(PHOTOS) >= 10
