"""Copies of a picture: the same bytes, or transformed, are grouped; other pictures are not."""

import shutil

import numpy as np
import pytest
import torch

from lesson2.clean import similar
from lesson2.clean.similar import candidates, find_duplicates, match, views
from lesson2.demo.planted import TRANSFORMS, plant_copies
from lesson2.demo.shapes import draw_dataset, save_jpeg


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    """24 pictures per class with one transformed copy of each kind and one byte copy."""
    path = tmp_path_factory.mktemp("shapes")
    draw_dataset(path, n_per_class=24, size=96)
    pairs = plant_copies(path, n=len(TRANSFORMS), seed=1)
    shutil.copy(path / "circle/circle_0003.jpg", path / "square/copy.jpg")
    return path, pairs


def test_blocked_candidates_equal_the_full_matrix():
    x = torch.nn.functional.normalize(torch.randn(300, 16), dim=1).numpy()
    x[150:] = x[:150] + 0.05 * np.random.default_rng(0).normal(size=(150, 16))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    pairs, sims = candidates(x, k=3, min_cosine=0.5, block=64)
    full = x @ x.T
    np.fill_diagonal(full, -2)
    top = np.argsort(-full, axis=1)[:, :3]
    brute = {(min(i, j), max(i, j)) for i in range(300) for j in top[i] if full[i, j] >= 0.5}
    assert {tuple(p) for p in pairs.tolist()} == brute
    assert np.allclose(sims, full[pairs[:, 0], pairs[:, 1]], atol=1e-5)


def test_a_crop_and_a_mirror_image_match_their_original():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (1, 32, 32, 3), dtype=np.uint8)
    img = np.asarray(
        torch.nn.functional.avg_pool2d(
            torch.tensor(img).float().permute(0, 3, 1, 2), 3, 1, 1
        ).permute(0, 2, 3, 1),
        np.uint8,
    )
    crop = np.asarray(
        torch.nn.functional.interpolate(
            torch.tensor(img[:, 2:29, 5:32]).float().permute(0, 3, 1, 2), (32, 32), mode="area"
        ).permute(0, 2, 3, 1),
        np.uint8,
    )
    other = rng.integers(0, 255, (1, 32, 32, 3), dtype=np.uint8)
    assert match(img, img[:, :, ::-1].copy())[0] > 0.99
    assert match(img, crop)[0] > 0.85  # pixel noise, resampled off the grid of crops tried
    assert match(img, other)[0] < 0.5
    assert views(img).shape == (1, len(similar.alignments()), 3 * similar.SIDE**2)


def test_transformed_and_exact_copies_are_grouped_with_their_originals(shapes):
    path, pairs = shapes
    groups = find_duplicates(path)
    grouped = [set(g.names) for g in groups]
    found = [pair for pair in pairs if any(set(pair) <= g for g in grouped)]
    assert len(found) >= len(pairs) - 1  # shapes look alike: one recoloured copy may be missed
    assert groups[0].exact and groups[0].names == ("circle/circle_0003.jpg", "square/copy.jpg")
    assert groups[0].similarity == 1.0
    planted = {n for pair in pairs for n in pair} | {"square/copy.jpg", "circle/circle_0003.jpg"}
    strays = [g for g in groups if not set(g.names) & planted]
    assert len(strays) <= 2
    assert all(0 < g.similarity <= 1 for g in groups)


@pytest.mark.slow
def test_notebook_03s_claim_planted_demo_copies_come_first(tmp_path, monkeypatch):
    """All planted pairs grouped, first: every look-alike group after them is less similar."""
    monkeypatch.setenv("LESSON2_DATA", str(tmp_path))
    from lesson2.demo.build import build_demo_dataset
    from lesson2.demo.planted import planted_files

    path = build_demo_dataset(progress=False)
    pairs = [
        {p.relative_to(path).as_posix() for p in pair}
        for pair in planted_files(path)["near_duplicates"]
    ]
    groups = find_duplicates(path)
    first = groups[: len(pairs)]
    assert all(any(pair <= set(g.names) for g in first) for pair in pairs)
    assert all(g.similarity < min(f.similarity for f in first) for g in groups[len(pairs) :])


def _textures(path, n=18, size=96):
    """`n` random colour textures (smooth blobs and a few lines) in two classes, as JPEGs."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(7)
    for k in range(n):
        blobs = rng.integers(0, 255, (int(rng.integers(3, 8)),) * 2 + (3,), dtype=np.uint8)
        img = Image.fromarray(blobs).resize((size, size), Image.Resampling.BICUBIC)
        draw = ImageDraw.Draw(img)
        for _ in range(4):
            draw.line(tuple(rng.uniform(0, size, 4)), fill=tuple(rng.integers(0, 255, 3)), width=3)
        save_jpeg(img, path / ("a", "b")[k % 2] / f"t{k:02d}.jpg")


def test_turned_and_recoloured_copies_are_found_among_textures(tmp_path):
    """Copies turned by 5-10 degrees and recoloured are grouped with their originals, alone."""
    _textures(tmp_path)
    pairs = plant_copies(tmp_path, n=4, seed=3, kinds=("rotate", "colour"))
    groups = find_duplicates(tmp_path)
    assert sorted(sorted(g.names) for g in groups) == sorted(sorted(p) for p in pairs)
    assert all(g.similarity >= similar.MIN_MATCH for g in groups)


def test_one_picture_and_a_lone_pair(tmp_path):
    """No candidates at all, and a pair with no other picture to compare their likeness to."""
    _textures(tmp_path, n=1)
    assert find_duplicates(tmp_path) == []
    pairs = plant_copies(tmp_path, n=1, seed=0, kinds=("rotate",))
    assert [set(g.names) for g in find_duplicates(tmp_path)] == [set(pairs[0])]
