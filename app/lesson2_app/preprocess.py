"""The learner's validation preprocessing, in Pillow and NumPy: what the model file's input needs.

    recipe = Recipe.from_dict(meta["preprocess"])   # written by `lesson2 export`, read from fastai
    x = recipe.batch([img, img2])                  # float32 (n, 3, h, w), normalised

fastai resizes for validation with Pillow, so doing the same Pillow calls in the same order gives
the very same pixels. The methods are fastai's: `crop` (centre crop to the target's shape, then
resize), `squish` (resize the whole picture), `pad` (pad to the target's shape, then resize), and
`random_resized_crop`, whose validation behaviour is: squish to the size plus a margin
(`val_xtra`), then cut out the centre (lesson2 trains with `val_xtra=0`: no margin, the whole
picture).
"""

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

METHODS = ("crop", "squish", "pad", "random_resized_crop")
PAD_MODES = {"zeros": "constant", "border": "edge", "reflection": "reflect"}  # fastai -> NumPy


def _pad(img, left_top, right_bottom, mode):
    if not any(left_top) and not any(right_bottom):
        return img
    (left, top), (right, bottom) = left_top, right_bottom
    arr = np.pad(np.asarray(img), ((top, bottom), (left, right), (0, 0)), mode=PAD_MODES[mode])
    return Image.fromarray(arr, img.mode)


def crop_pad(img, size, tl, pad_mode="zeros", resize_to=None, resample=Image.Resampling.BILINEAR):
    """Cut the box `size` (w, h) at top-left `tl` out of `img`, padding where it sticks out,
    then resize to `resize_to`: fastai's `crop_pad` for PIL images, step for step."""
    (w, h), (sw, sh), (left, top) = img.size, size, tl
    right, bottom = left + sw, top + sh
    if left >= 0 or top >= 0 or right <= w or bottom <= h:  # some side lies inside the picture
        img = img.crop((max(left, 0), max(top, 0), min(right, w), min(bottom, h)))
    if left < 0 or top < 0 or right >= w or bottom >= h:  # some side reaches past the picture
        outside = (max(right - w, 0), max(bottom - h, 0))
        img = _pad(img, (max(-left, 0), max(-top, 0)), outside, pad_mode)
    return img.resize(resize_to, resample) if resize_to is not None else img


def _centre(img, size):
    (w, h), (sw, sh) = img.size, size
    return crop_pad(img, size, ((w - sw) // 2, (h - sh) // 2))


@dataclass(frozen=True)
class Recipe:
    """How one RGB picture becomes the model's input, as the learner did it for validation."""

    size: tuple  # (width, height) the model sees
    method: str = "crop"  # one of METHODS
    interpolation: str = "bilinear"  # a Pillow resampling filter
    pad_mode: str = "reflection"  # how `pad` (and `crop` of tiny pictures) fills: see PAD_MODES
    val_xtra: float = 0.14  # random_resized_crop: share of the size added, then cut away
    mean: tuple = (0.485, 0.456, 0.406)  # per channel, of pixels scaled to 0..1
    std: tuple = (0.229, 0.224, 0.225)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown resize method {self.method!r}: expected one of {METHODS}")
        if self.pad_mode not in PAD_MODES:
            raise ValueError(f"unknown pad mode {self.pad_mode!r}: expected one of {PAD_MODES}")
        Image.Resampling[self.interpolation.upper()]  # a KeyError names a filter Pillow lacks

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        for key in ("size", "mean", "std"):
            d[key] = tuple(d[key])
        return cls(**d)

    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}

    @property
    def resample(self):
        return Image.Resampling[self.interpolation.upper()]

    def resize(self, img):
        """`img` (RGB) at `size`, cropped, squished or padded as the learner did for validation."""
        w, h = img.size
        sw, sh = self.size
        if self.method == "squish":
            return crop_pad(img, (w, h), (0, 0), self.pad_mode, self.size, self.resample)
        if self.method == "random_resized_crop":
            xtra = math.ceil(max(sw, sh) * self.val_xtra / 8) * 8
            big = (sw + xtra, sh + xtra)
            return _centre(crop_pad(img, (w, h), (0, 0), "zeros", big, self.resample), self.size)
        shrink = w / sw < h / sh if self.method == "crop" else w / sw > h / sh
        m = w / sw if shrink else h / sh
        box = (int(m * sw), int(m * sh))
        tl = (int(0.5 * (w - box[0])), int(0.5 * (h - box[1])))
        return crop_pad(img, box, tl, self.pad_mode, self.size, self.resample)

    def array(self, img):
        """float32 (3, h, w): resized, scaled to 0..1 and normalised."""
        x = np.asarray(self.resize(img), dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
        mean = np.asarray(self.mean, dtype=np.float32)[:, None, None]
        std = np.asarray(self.std, dtype=np.float32)[:, None, None]
        return (x - mean) / std

    def batch(self, imgs):
        """float32 (n, 3, h, w) for a list of RGB PIL images."""
        return np.stack([self.array(img) for img in imgs])
