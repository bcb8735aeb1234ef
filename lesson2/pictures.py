"""Decoding untrusted pictures safely: lesson2's name for the web app's decoder.

    from lesson2.pictures import open_image, read_rgb, to_rgb, upright, ImageError

The decoder has one home, `app/pictures.py` (Pillow and NumPy only), because the app must run
without lesson2 installed; lesson2 uses the very same functions and exceptions from there.
"""

from lesson2.app.pictures import (
    MAX_PIXELS,
    ORIENTATION,
    CorruptImage,
    ImageError,
    ImageTooLarge,
    NotAnImage,
    needs_rewrite,
    open_image,
    read_rgb,
    to_rgb,
    upright,
)

__all__ = [
    "MAX_PIXELS",
    "ORIENTATION",
    "CorruptImage",
    "ImageError",
    "ImageTooLarge",
    "NotAnImage",
    "needs_rewrite",
    "open_image",
    "read_rgb",
    "to_rgb",
    "upright",
]
