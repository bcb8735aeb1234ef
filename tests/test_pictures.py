"""Decoding untrusted bytes and turning any picture into plain RGB."""

import io

import numpy as np
import pytest
from PIL import Image

from lesson2.localweb import bomb_png
from lesson2.pictures import NotAnImage, TooLarge, needs_rewrite, open_image, to_rgb


def encoded(img, fmt, **kwargs):
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


RED = (200, 30, 30)


def test_transparent_pixels_land_on_white():
    img = Image.new("RGBA", (4, 4), (*RED, 255))
    img.putpixel((0, 0), (0, 0, 0, 0))
    rgb = to_rgb(open_image(encoded(img, "PNG")))
    assert rgb.mode == "RGB" and rgb.getpixel((0, 0)) == (255, 255, 255)
    assert rgb.getpixel((1, 1)) == RED


def test_palette_with_transparency_and_grey_alpha():
    pal = Image.new("P", (4, 4), 1)
    pal.putpalette([0, 0, 0, *RED] + [0] * 762)
    pal.info["transparency"] = 0
    pal.putpixel((0, 0), 0)
    rgb = to_rgb(open_image(encoded(pal, "PNG", transparency=0)))
    assert rgb.getpixel((0, 0)) == (255, 255, 255) and rgb.getpixel((2, 2)) == RED
    la = Image.new("LA", (2, 2), (0, 0))
    assert to_rgb(open_image(encoded(la, "PNG"))).getpixel((0, 0)) == (255, 255, 255)


def test_sixteen_bit_grey_is_scaled_by_its_range():
    a = np.array([[0, 1000], [2000, 4000]], dtype=np.uint16)
    img = Image.fromarray(a)
    rgb = to_rgb(open_image(encoded(img, "PNG")))
    assert rgb.mode == "RGB"
    assert [rgb.getpixel(p)[0] for p in ((0, 0), (1, 0), (1, 1))] == [0, 64, 255]


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # red ink
    r, g, b = to_rgb(open_image(encoded(cmyk, "JPEG"))).getpixel((4, 4))
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (40, 20), RED)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    decoded = open_image(encoded(img, "JPEG", exif=exif))
    assert needs_rewrite(decoded)
    assert to_rgb(decoded).size == (20, 40)


def test_plain_rgb_jpeg_is_kept_as_is():
    assert not needs_rewrite(open_image(encoded(Image.new("RGB", (8, 8), RED), "JPEG")))


@pytest.mark.parametrize("data", [b"", b"<html>hello</html>", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20])
def test_garbage_is_not_an_image(data):  # fmt: skip
    with pytest.raises(NotAnImage):
        open_image(data)


def test_truncated_jpeg_is_not_an_image():
    data = encoded(Image.effect_noise((64, 64), 50).convert("RGB"), "JPEG")
    with pytest.raises(NotAnImage, match="truncated"):
        open_image(data[: len(data) // 2])


def test_bombs_and_huge_images_are_refused():
    with pytest.raises(TooLarge, match="bomb"):
        open_image(bomb_png())
    with pytest.raises(TooLarge, match="MP limit"):
        open_image(encoded(Image.new("RGB", (300, 300)), "PNG"), max_pixels=50_000)
