"""The claims notebook 01 makes about its own outputs, checked with the same functions and seeds."""

import shutil

import pytest

from lesson2.dataset.gallery import sample_files
from lesson2.demo.build import build_demo_dataset, lesson_dataset
from lesson2.demo.planted import planted_files
from lesson2.demo.shapes import draw_dataset
from lesson2.workspace import data_dir, use_dataset


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo dataset as notebook 01 builds it offline: data_dir() / "shapes"."""
    root = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LESSON2_DATA", str(root))
        build_demo_dataset(data_dir() / "shapes", timeout=2.5, progress=False)
    return root


def test_two_planted_mislabels_per_class_none_in_the_sample_shown(demo):
    # cells 29-30: "We planted two in each class folder ... none made it into the sample above"
    path = demo / "shapes"
    mislabeled = planted_files(path)["mislabeled"]
    assert (
        sorted(f.parent.name for f in mislabeled)
        == ["circle"] * 2 + ["square"] * 2 + ["triangle"] * 2
    )
    shown = {f for files in sample_files(path, n=8).values() for f in files}  # show_samples' seed
    assert len(shown) == 24 and not shown & set(mislabeled)


def test_offline_default_leaves_the_demo_for_notebooks_02_to_04(demo, tmp_path, monkeypatch):
    # Step 5: use_dataset(path) carries a student's dataset to 02-04; use_dataset(None) goes back
    # to the demo shapes, the very folder notebook 01 filled offline.
    monkeypatch.setenv("LESSON2_DATA", str(demo))
    bears = tmp_path / "bears"
    draw_dataset(bears, n_per_class=2, size=16)
    assert use_dataset(bears) == bears.resolve()
    assert lesson_dataset() == bears.resolve()
    assert use_dataset(None) is None
    assert not (demo / "dataset.txt").exists()
    assert lesson_dataset() == demo / "shapes"


def test_a_dataset_that_went_away_says_what_to_do(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("LESSON2_DATA", str(demo))
    bears = tmp_path / "bears"
    draw_dataset(bears, n_per_class=2, size=16)
    use_dataset(bears)
    shutil.rmtree(bears)
    with pytest.raises(FileNotFoundError, match="use_dataset\\(None\\)"):
        lesson_dataset()
    use_dataset(None)
