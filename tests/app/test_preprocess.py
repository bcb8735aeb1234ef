"""lesson2_app.preprocess: fastai's validation preprocessing rebuilt in Pillow and NumPy, pixel
for pixel, for every resize method fastai has."""

import numpy as np
import pytest
from fastai.vision.all import PILImage, RandomResizedCrop, Resize, ResizeMethod
from PIL import Image

from lesson2.demo.shapes import draw
from lesson2.production.graph import _resize_recipe
from lesson2_app.preprocess import Recipe

SIZES = [(97, 61), (61, 97), (50, 50), (300, 200), (20, 33)]  # wide, tall, square, big, tiny


def fastai_valid(tfm, img):
    """What fastai's item transform makes of `img` for the validation set."""
    return tfm(PILImage.create(np.asarray(img)), split_idx=1)


@pytest.mark.parametrize(
    "tfm",
    [
        RandomResizedCrop(64, min_scale=0.5),
        RandomResizedCrop(64, min_scale=0.5, val_xtra=0),  # lesson2's: the whole picture
        RandomResizedCrop((48, 80)),
        Resize(64),  # crop
        Resize(64, method=ResizeMethod.Squish),
        Resize((40, 72), method=ResizeMethod.Pad, pad_mode="zeros"),
        Resize(64, method=ResizeMethod.Pad, pad_mode="reflection"),
        Resize(64, method=ResizeMethod.Pad, pad_mode="border"),
        Resize(64, resamples=(Image.Resampling.BICUBIC, Image.Resampling.NEAREST)),
    ],
    ids=[
        "rrc",
        "rrc-whole",
        "rrc-rect",
        "crop",
        "squish",
        "pad-zeros",
        "pad-reflect",
        "pad-border",
        "bicubic",
    ],
)
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_recipe_gives_fastais_pixels(tfm, size):
    img = draw("triangle", seed=3, size=max(size)).resize(size)
    recipe = Recipe(**_resize_recipe(tfm))
    ours, theirs = recipe.resize(img), fastai_valid(tfm, img)
    assert ours.size == theirs.size
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))
