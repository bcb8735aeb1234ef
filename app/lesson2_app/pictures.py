"""Decoding untrusted pictures safely, and turning any picture into plain 8-bit RGB.

    from lesson2_app.pictures import open_image, read_rgb, to_rgb, ImageError
    img = open_image(data)          # fully decoded PIL image, any mode; raises an ImageError
    rgb = read_rgb("photo.png")     # bytes, a path or a PIL image -> upright RGB, ready for a model

Content is judged by decoding it, never by file extension or Content-Type. Every failure is an
ImageError that says what happened: NotAnImage (no image format at all), CorruptImage (damaged
or cut short) or ImageTooLarge (more pixels than allowed: a decompression bomb, or just huge).
"""

import io
import threading
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # ~6300x6300, 120 MB decoded: far above any photo worth training on
ORIENTATION = 0x0112  # the EXIF tag that says which way up the camera was held
_OPEN_LOCK = threading.Lock()  # warnings.catch_warnings is process-wide: one opener at a time


class ImageError(ValueError):
    """A picture that cannot be used; the message says why and what to do."""


class NotAnImage(ImageError):
    """The bytes are in no image format Pillow reads (an HTML page, a PDF, ...)."""


class CorruptImage(ImageError):
    """An image format was recognised but the picture is damaged or cut short."""


class ImageTooLarge(ImageError):
    """More pixels than allowed: possibly a decompression bomb."""


def _check_pixels(img, max_pixels):
    width, height = img.size
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"the image is {width}x{height} pixels, more than the {max_pixels:,} allowed "
            "(it may be a decompression bomb): use a smaller picture"
        )


def _open_header(source):
    """Parse only the header (cheap), turning Pillow's bomb warning into an error."""
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(source)


def _source(source):
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    if isinstance(source, str | Path):
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"no image file at {path}")
        return io.BytesIO(path.read_bytes())
    return source  # a file object


def open_image(source, max_pixels=MAX_PIXELS):
    """Decode bytes, a path, a file object or a PIL image completely; raise an ImageError."""
    if not isinstance(source, Image.Image):
        source = _source(source)  # outside the try: a missing file is not a corrupt one
    try:
        img = source if isinstance(source, Image.Image) else _open_header(source)
        _check_pixels(img, max_pixels)  # before the pixels are decoded
        img.load()
        return img
    except ImageError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as e:
        raise ImageTooLarge(f"decompression bomb refused ({e}): use a smaller picture") from None
    except UnidentifiedImageError:
        raise NotAnImage(
            "not an image: no JPEG, PNG, GIF, WebP, BMP or TIFF could be read from it"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise CorruptImage(f"the image is damaged or cut short ({e})") from None


def upright(img):
    """`img` turned the way the camera's EXIF orientation tag says it was held."""
    return img if img.getexif().get(ORIENTATION, 1) == 1 else ImageOps.exif_transpose(img)


def _eight_bit(img):
    """Mode 'L' from 16-bit, 32-bit integer or float greyscale, keeping absolute brightness."""
    arr = np.asarray(img, dtype=np.float64)
    if img.mode.startswith("I;16") or (img.mode == "I" and arr.max(initial=0) > 255):
        arr = arr / 257  # 0..65535 onto 0..255
    elif img.mode == "F" and arr.max(initial=0) <= 1:
        arr = arr * 255  # floats in 0..1
    return Image.fromarray(np.clip(arr.round(), 0, 255).astype(np.uint8), "L")


def to_rgb(img):
    """Any PIL image as RGB: upright, transparency on white, deep greys brought to 8 bits."""
    img = upright(img)
    if img.mode.startswith("I") or img.mode == "F":
        img = _eight_bit(img)
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, img.convert("RGBA")).convert("RGB")
    return img if img.mode == "RGB" else img.convert("RGB")


def read_rgb(source, max_pixels=MAX_PIXELS):
    """Bytes, a path or a PIL image as an upright RGB image; raises an ImageError."""
    return to_rgb(open_image(source, max_pixels))


def needs_rewrite(img):
    """True unless the image is already a plain, upright RGB JPEG whose bytes can be kept as-is."""
    orientation = img.getexif().get(ORIENTATION, 1)
    return img.format != "JPEG" or img.mode != "RGB" or orientation != 1
