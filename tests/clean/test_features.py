"""lesson2.clean.features: every picture's features and thumbnail, cached on disk by content."""

import numpy as np
import pytest

from lesson2.clean.features import embeddings
from lesson2.clean.suspects import label_features
from lesson2.demo.shapes import draw_dataset
from lesson2_app.pictures import ImageError

THREE = ("circle", "square", "triangle")  # the counts below are for three classes


def test_mirror_image_gets_the_same_features(tmp_path):
    draw_dataset(tmp_path, n_per_class=2, size=64)
    from PIL import Image, ImageOps

    with Image.open(tmp_path / "circle/circle_0000.jpg") as img:
        ImageOps.mirror(img).save(tmp_path / "circle/mirror.png")
        img.save(tmp_path / "circle/same.png")
    emb = embeddings(tmp_path)
    a, b = emb.names.index("circle/same.png"), emb.names.index("circle/mirror.png")
    assert float(emb.vectors[a] @ emb.vectors[b]) > 0.999
    assert np.allclose(emb.mirrored[a], emb.plain[b], atol=2e-3)  # a's mirror image is b
    x = label_features(emb)  # what the suspects read: mirroring flips the difference's sign
    half = x.shape[1] // 2
    assert np.allclose(x[a, :half] - x[b, :half], x[a, half:], atol=2e-3)
    assert np.allclose(x[a, half:], -x[b, half:], atol=2e-3)


@pytest.mark.parametrize(
    "content",
    [b"<html>not a picture</html>", "bomb"],
    ids=["not an image", "decompression bomb"],
)
def test_broken_files_are_named_in_the_error(tmp_path, content):
    draw_dataset(tmp_path, classes=THREE, n_per_class=2, size=32)
    if content == "bomb":
        from PIL import Image

        Image.new("1", (20_000, 20_000)).save(tmp_path / "circle/broken.png")  # 400 Mpx, 50 KB
    else:
        (tmp_path / "circle/broken.jpg").write_bytes(content)
    with pytest.raises(ImageError, match=r"circle/broken\.(jpg|png).*Delete them"):
        embeddings(tmp_path)
    (cache,) = (tmp_path / ".cleaning").glob("features-*.npz")  # the readable ones are kept
    assert len(np.load(cache)["digests"]) == 6


def test_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="no dataset folder at"):
        embeddings(tmp_path / "nope")


def test_features_are_cached_by_content_in_a_hidden_folder(tmp_path):
    path = tmp_path / "data"
    draw_dataset(path, classes=THREE, n_per_class=4, size=48)
    first = embeddings(path)
    (cache,) = (path / ".cleaning").glob("features-*.npz")
    (path / "circle/circle_0000.jpg").rename(path / "square/renamed.jpg")
    stamp = cache.stat().st_mtime_ns
    again = embeddings(path)
    assert cache.stat().st_mtime_ns == stamp  # nothing new to compute: the file is not rewritten
    k = again.names.index("square/renamed.jpg")
    assert np.array_equal(
        again.vectors[k], first.vectors[first.names.index("circle/circle_0000.jpg")]
    )
    assert np.allclose(np.linalg.norm(again.vectors, axis=1), 1, atol=1e-5)
    assert again.thumbs.shape == (12, 32, 32, 3) and again.labels[k] == "square"
