"""Decoding untrusted image bytes safely, and turning any picture into plain 8-bit RGB.

    from lesson2.pictures import open_image, to_rgb, NotAnImage, TooLarge
    img = open_image(data)          # fully decoded PIL image; raises NotAnImage or TooLarge
    rgb = to_rgb(img)               # EXIF-rotated, transparency flattened on white, 8-bit RGB

Content is judged by decoding it, never by file extension or Content-Type.
"""

import io
import threading
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # ~6300x6300: far above any photo worth training on, far below a bomb
_OPEN_LOCK = threading.Lock()  # warnings.catch_warnings is process-wide: one opener at a time


class NotAnImage(ValueError):
    """The bytes do not decode as a complete image."""


class TooLarge(ValueError):
    """The image claims more pixels than allowed (a decompression bomb, or simply huge)."""


def _open_header(source):
    """Parse only the header (cheap), turning Pillow's bomb warning into an error."""
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(source)


def open_image(source, max_pixels=MAX_PIXELS):
    """Decode bytes, a path or a file object completely; raise NotAnImage or TooLarge."""
    if isinstance(source, bytes | bytearray | memoryview):
        source = io.BytesIO(source)
    try:
        img = _open_header(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise TooLarge(f"decompression bomb refused: {e}") from None
    except UnidentifiedImageError:
        raise NotAnImage("not an image: Pillow cannot identify this file format") from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise NotAnImage(f"corrupt image header: {e}") from None
    width, height = img.size
    if width * height > max_pixels:
        raise TooLarge(
            f"{width}x{height} pixels is more than the {max_pixels / 1e6:g} MP limit "
            "(a decompression bomb, or far larger than needed)"
        )
    try:
        img.load()
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise NotAnImage(f"corrupt or truncated {img.format or 'image'} file: {e}") from None
    return img


def _flatten(img, background=(255, 255, 255)):
    """Composite an image with an alpha channel onto a plain background."""
    rgba = img.convert("RGBA")
    base = Image.new("RGBA", rgba.size, (*background, 255))
    return Image.alpha_composite(base, rgba).convert("RGB")


def _to_8bit(img):
    """Scale 16- or 32-bit greyscale (modes I;16, I, F) onto 0..255 by its actual range."""
    a = np.asarray(img, dtype=np.float64)
    lo, hi = float(a.min()), float(a.max())
    scaled = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    return Image.fromarray(scaled.round().astype(np.uint8), "L")


def to_rgb(img):
    """Any PIL image as RGB: EXIF orientation applied, transparency on white, deep greys scaled."""
    img = ImageOps.exif_transpose(img)
    if img.mode == "RGB":
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return _to_8bit(img).convert("RGB")
    if (img.mode == "P" and "transparency" in img.info) or img.mode in ("RGBA", "LA", "PA", "RGBa"):
        return _flatten(img)
    return img.convert("RGB")


def needs_rewrite(img):
    """True unless the image is already a plain, upright RGB JPEG whose bytes can be kept as-is."""
    orientation = img.getexif().get(0x0112, 1)
    return img.format != "JPEG" or img.mode != "RGB" or orientation != 1


def describe(path):
    """'JPEG 224x224 RGB' for a file, or raise NotAnImage/TooLarge."""
    img = open_image(Path(path))
    return f"{img.format} {img.width}x{img.height} {img.mode}"
