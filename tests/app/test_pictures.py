"""Decoding untrusted bytes and turning any picture into plain RGB."""

import io

import numpy as np
import pytest
from PIL import Image

from lesson2.demo.localweb import bomb_png
from lesson2_app.pictures import (
    CorruptImage,
    ImageTooLarge,
    NotAnImage,
    needs_rewrite,
    open_image,
    read_rgb,
    to_rgb,
)


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


def test_sixteen_bit_grey_keeps_its_brightness():
    a = np.array([[0, 257 * 64], [257 * 128, 65535]], dtype=np.uint16)
    rgb = read_rgb(encoded(Image.fromarray(a), "PNG"))
    assert rgb.mode == "RGB"
    assert [rgb.getpixel(p)[0] for p in ((0, 0), (1, 0), (0, 1), (1, 1))] == [0, 64, 128, 255]


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


@pytest.mark.parametrize("data", [b"", b"<html>hello</html>", b"%PDF-1.7"])
def test_garbage_is_not_an_image(data):
    with pytest.raises(NotAnImage, match="not an image"):
        open_image(data)


@pytest.mark.parametrize("cut", [0.5, 0.02])
def test_cut_short_pictures_are_corrupt(cut):
    data = encoded(Image.effect_noise((64, 64), 50).convert("RGB"), "JPEG")
    with pytest.raises(CorruptImage, match="damaged or cut short"):
        open_image(data[: int(len(data) * cut)])


def test_a_missing_file_is_not_called_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image file"):
        open_image(tmp_path / "missing.jpg")


def test_bombs_and_huge_images_are_refused():
    with pytest.raises(ImageTooLarge, match="bomb"):
        open_image(bomb_png())
    with pytest.raises(ImageTooLarge, match="more than the 50,000 allowed"):
        open_image(encoded(Image.new("RGB", (300, 300)), "PNG"), max_pixels=50_000)
