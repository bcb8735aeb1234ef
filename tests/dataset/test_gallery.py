"""Dataset pictures: one row per class, the right number of images, clear errors."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from lesson2.dataset.folders import DatasetError, class_folders
from lesson2.dataset.gallery import plot_statuses, sample_files, show_files, show_samples
from lesson2.demo.shapes import draw_dataset

THREE = ("circle", "square", "triangle")  # the counts below are for three classes


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes")
    draw_dataset(path, classes=THREE, n_per_class=4, size=32)
    (path / ".trash").mkdir()
    (path / "empty").mkdir()
    return path


def test_class_folders_skip_hidden_and_empty_folders(dataset):
    assert [f.name for f in class_folders(dataset)] == ["circle", "square", "triangle"]


def test_samples_grid_has_a_row_per_class(dataset):
    fig = show_samples(dataset, n=3)
    images = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 9 and len(images) == 9
    assert [ax.get_title(loc="left") for ax in fig.axes[::3]] == ["circle", "square", "triangle"]
    plt.close(fig)


def test_samples_of_an_empty_folder_say_what_to_do(tmp_path):
    with pytest.raises(DatasetError, match="no pictures in class subfolders"):
        show_samples(tmp_path)


def test_show_files_titles_by_folder(dataset):
    files = sorted((dataset / "square").glob("*.jpg"))[:2]
    fig = show_files(files, ncols=3)
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["square", "square"]
    plt.close(fig)
    with pytest.raises(ValueError):
        show_files([])


def test_status_bars_stack_to_the_totals():
    table = pd.DataFrame({"ok": [5, 7], "timeout": [1, 0]}, index=["a", "b"])
    fig = plot_statuses(table)
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert widths == [5, 7, 1, 0]
    plt.close(fig)


def test_a_broken_or_bomb_file_is_shown_as_unreadable_not_a_crash(tmp_path):
    from lesson2.demo.localweb import bomb_png

    draw_dataset(tmp_path, classes=THREE, n_per_class=1, size=32)
    (tmp_path / "circle" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (tmp_path / "square" / "bomb.png").write_bytes(bomb_png())
    fig = show_files(sorted(tmp_path.glob("*/*.*")), ncols=3)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert len([ax for ax in fig.axes if ax.images]) == 3
    assert len(texts) == 2 and all(t.startswith("cannot show") for t in texts)
    plt.close(fig)


def test_every_download_status_has_a_colour():
    from lesson2.dataset.download import STATUSES
    from lesson2.dataset.gallery import STATUS_COLOURS

    assert set(STATUS_COLOURS) == set(STATUSES)


def test_pictures_are_shown_upright(tmp_path):
    from PIL import Image

    img = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: shown 20 wide, 40 high
    (tmp_path / "c").mkdir()
    img.save(tmp_path / "c" / "rotated.jpg", exif=exif)
    fig = show_files([tmp_path / "c" / "rotated.jpg"], ncols=1)
    assert fig.axes[0].images[0].get_array().shape[:2] == (40, 20)
    plt.close(fig)


def test_sample_files_are_fixed_by_the_seed(dataset):
    samples = sample_files(dataset, n=3, seed=1)
    assert samples == sample_files(dataset, n=3, seed=1)
    assert [folder.name for folder in samples] == ["circle", "square", "triangle"]
    for folder, files in samples.items():
        assert len(set(files)) == 3 and all(f.parent == folder for f in files)
    assert sample_files(dataset, n=3, seed=2) != samples
