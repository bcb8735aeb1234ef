"""Duplicate search: planted copies are found, the banded search equals the brute-force one."""

import io
import itertools
import shutil

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from lesson2.folders import image_files
from lesson2.shapes import draw, draw_dataset, save_jpeg
from lesson2.similar import (
    MAX_BITS,
    find_duplicates,
    fingerprint_files,
    group_duplicates,
    hamming,
    near_pairs,
    phash,
)


def test_banded_search_equals_brute_force_on_random_hashes():
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**63, size=300, dtype=np.uint64)
    flips = rng.integers(0, 2**63, size=300, dtype=np.uint64) & rng.integers(
        0, 2**63, size=300, dtype=np.uint64
    )  # about 16 bits set: some pairs land near each other
    hashes = np.concatenate([base, base[:100] ^ (flips[:100] & np.uint64(0xFF0F))])
    brute = {
        (i, j)
        for i, j in itertools.combinations(range(len(hashes)), 2)
        if hamming(hashes[i], hashes[j]) <= MAX_BITS
    }
    assert len(brute) >= 100
    assert {tuple(p) for p in near_pairs(hashes).tolist()} == brute


def test_phash_matches_scipy_dct_reference():
    scipy_fft = pytest.importorskip("scipy.fft")
    rng = np.random.default_rng(1)
    greys = rng.uniform(0, 255, size=(5, 32, 32))
    low = np.stack([scipy_fft.dctn(g, norm="ortho")[:8, :8].ravel() for g in greys])
    bits = low > np.median(low[:, 1:], axis=1, keepdims=True)
    bits[:, 0] = False
    expected = [int("".join("1" if b else "0" for b in row), 2) for row in bits]
    assert phash(greys).tolist() == expected


def _resaved(img, transform):
    out = io.BytesIO()
    transform(img).save(out, "JPEG", quality=70)
    return Image.open(io.BytesIO(out.getvalue()))


def test_planted_duplicates_come_first(tmp_path):
    draw_dataset(tmp_path, n_per_class=12, size=64)
    shutil.copy(tmp_path / "circle/circle_0003.jpg", tmp_path / "square/copy.jpg")
    smaller = _resaved(draw("triangle", seed=5, size=64), lambda im: im.resize((50, 50)))
    save_jpeg(smaller, tmp_path / "triangle/near.jpg")
    brighter = lambda im: ImageEnhance.Brightness(im).enhance(1.15)
    save_jpeg(_resaved(draw("square", seed=7, size=64), brighter), tmp_path / "square/bright.jpg")
    groups = find_duplicates(tmp_path, progress=False)
    top = {g.names for g in groups[:3]}
    assert top == {
        ("circle/circle_0003.jpg", "square/copy.jpg"),
        ("square/bright.jpg", "square/square_0007.jpg"),
        ("triangle/near.jpg", "triangle/triangle_0005.jpg"),
    }
    assert groups[0].exact and groups[0].similarity == 1.0
    assert not groups[1].exact and groups[1].similarity >= groups[2].similarity


def test_same_layout_in_other_colours_is_not_a_duplicate(tmp_path):
    draw_dataset(tmp_path, n_per_class=3, size=64)
    with Image.open(tmp_path / "circle/circle_0001.jpg") as img:
        swapped = Image.merge("RGB", img.convert("RGB").split()[::-1])  # RGB -> BGR
    save_jpeg(swapped, tmp_path / "circle/recoloured.jpg")
    fp = fingerprint_files(tmp_path, progress=False)
    assert group_duplicates(fp, min_similarity=0.0, max_bits=MAX_BITS)  # candidates exist
    assert group_duplicates(fp) == []


def test_different_pictures_are_not_grouped(tmp_path):
    draw_dataset(tmp_path, n_per_class=10, size=64)
    fp = fingerprint_files(tmp_path, progress=False)
    assert len(fp.names) == 30
    assert group_duplicates(fp) == []


def test_trash_and_other_dot_folders_are_skipped(tmp_path):
    draw_dataset(tmp_path, n_per_class=2, size=32)
    (tmp_path / ".trash/circle").mkdir(parents=True)
    shutil.copy(tmp_path / "circle/circle_0000.jpg", tmp_path / ".trash/circle/x.jpg")
    (tmp_path / "circle/manifest.csv").write_text("url,file\n")
    names = [f.relative_to(tmp_path).as_posix() for f in image_files(tmp_path)]
    assert names == [
        f"{c}/{c}_000{i}.jpg" for c in ("circle", "square", "triangle") for i in (0, 1)
    ]


def test_broken_image_is_named_in_the_error(tmp_path):
    draw_dataset(tmp_path, n_per_class=2, size=32)
    (tmp_path / "circle/broken.jpg").write_bytes(b"<html>not a picture</html>")
    with pytest.raises(ValueError, match=r"broken\.jpg.*delete it"):
        find_duplicates(tmp_path, progress=False)


def test_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="build one first"):
        find_duplicates(tmp_path / "nope")
