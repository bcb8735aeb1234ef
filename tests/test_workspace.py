"""lesson2.workspace: where data lives, and the dataset notebooks 02-04 use."""

import pytest

from lesson2.dataset.folders import DatasetError
from lesson2.demo.shapes import draw_dataset
from lesson2.workspace import chosen_dataset, data_dir, use_dataset


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSON2_DATA", str(tmp_path / "home"))
    return tmp_path / "home"


def test_data_dir_is_lesson2_data_and_is_created(home):
    assert data_dir() == home and home.is_dir()


def test_use_dataset_hands_a_folder_to_the_notebooks_and_none_goes_back(home, tmp_path):
    draw_dataset(tmp_path / "bears", n_per_class=2, size=16)
    assert use_dataset(tmp_path / "bears") == (tmp_path / "bears").resolve()
    assert chosen_dataset() == (tmp_path / "bears").resolve()
    assert use_dataset(None) is None
    assert not (home / "dataset.txt").exists() and chosen_dataset() is None


def test_use_dataset_refuses_what_is_no_dataset(home, tmp_path):
    with pytest.raises(FileNotFoundError, match="no dataset folder at"):
        use_dataset(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no pictures in class subfolders"):
        use_dataset(tmp_path / "empty")


def test_a_chosen_dataset_that_went_away_says_what_to_do(home, tmp_path):
    draw_dataset(tmp_path / "bears", n_per_class=2, size=16)
    use_dataset(tmp_path / "bears")
    for f in (tmp_path / "bears").rglob("*.jpg"):
        f.unlink()
    for d in sorted((tmp_path / "bears").iterdir()):
        d.rmdir()
    (tmp_path / "bears").rmdir()
    with pytest.raises(FileNotFoundError, match="use_dataset\\(None\\)"):
        chosen_dataset()
