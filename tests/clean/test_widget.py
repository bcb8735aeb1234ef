"""The cleaner widget, driven through its own controls, on real files."""

import io
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from lesson2.clean import journal as cleaning
from lesson2.clean.suspects import COLUMNS
from lesson2.clean.widget import ImageCleaner
from lesson2.demo.shapes import draw_dataset

THREE = ("circle", "square", "triangle")  # the counts below are for three classes


def find(widget, dom_class):
    """Every widget under `widget` (itself included) that carries the CSS class."""
    found = [widget] if dom_class in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += find(child, dom_class)
    return found


def shown(cleaner):
    """The image names on the current page, read from the cards' captions."""
    return [shown_name(card) for card in find(cleaner.grid, "lesson2-card")]


def action_for(cleaner, name):
    for card in find(cleaner.grid, "lesson2-card"):
        if shown_name(card) == name:
            return card.children[2]
    raise AssertionError(f"{name} is not on the page")


def shown_name(card):
    """The first line of a card's caption: the image's name."""
    return card.children[1].value.split(">", 1)[1].split("<br>")[0].split("</small>")[0]


@pytest.fixture
def path(tmp_path):
    draw_dataset(tmp_path / "data", classes=THREE, n_per_class=10, size=48)
    shutil.copy(tmp_path / "data/circle/circle_0002.jpg", tmp_path / "data/square/copy.jpg")
    return tmp_path / "data"


@pytest.fixture
def table(path):
    """Suspects as find_suspects gives them, with scores in a fixed random order."""
    names = sorted(f.relative_to(path).as_posix() for f in path.glob("*/*.jpg"))
    rng = np.random.default_rng(0)
    score = rng.permutation(len(names)) / len(names)
    labels = [n.split("/")[0] for n in names]
    return pd.DataFrame(
        {"name": names, "label": labels, "suggested": labels, "score": score, "reason": "test"},
        columns=COLUMNS,
    )


def by_score(table):
    return table.sort_values("score", ascending=False)["name"].tolist()


def test_first_page_shows_thumbnails_of_the_most_suspect(path, table):
    cleaner = ImageCleaner(path, table, page_size=6, thumb_size=40)
    assert shown(cleaner) == by_score(table)[:6]
    images = find(cleaner.grid, "lesson2-thumb")
    assert len(images) == 6
    with Image.open(io.BytesIO(images[0].value)) as img:
        assert img.format == "JPEG" and max(img.size) == 40
    assert "page 1 of 6 (31 shown)" in cleaner.page_label.value


def test_decisions_survive_paging_filters_and_mode_changes(path, table):
    cleaner = ImageCleaner(path, table, page_size=6)
    first = shown(cleaner)[0]
    action_for(cleaner, first).value = "delete"
    assert "1 pending change" in cleaner.pending_label.value
    cleaner.next.click()
    assert first not in shown(cleaner)
    cleaner.label.value = "triangle"
    cleaner.mode.value = "similar"
    cleaner.mode.value = "suspects"
    cleaner.label.value = "all"
    assert shown(cleaner)[0] == first
    assert action_for(cleaner, first).value == "delete"
    assert cleaner.decisions == {first: "delete"}


def test_paging_and_mode_changes_reuse_the_same_widgets(path, table):
    from ipywidgets.widgets.widget import _instances  # every live widget, by model id

    cleaner = ImageCleaner(path, table, page_size=6, mode="similar")
    cleaner.mode.value = "suspects"
    before = len(_instances)
    for _ in range(3):
        cleaner.next.click()
    cleaner.mode.value = "similar"
    cleaner.mode.value = "suspects"
    assert len(_instances) == before


def test_the_class_filter_shows_only_that_class(path, table):
    cleaner = ImageCleaner(path, table, page_size=50)
    cleaner.label.value = "square"
    assert shown(cleaner) == by_score(table[table["label"] == "square"])


def test_apply_and_undo_buttons_move_the_files(path, table):
    cleaner = ImageCleaner(path, table, page_size=50)
    action_for(cleaner, "circle/circle_0001.jpg").value = "delete"
    action_for(cleaner, "square/square_0004.jpg").value = "triangle"
    cleaner.apply_button.click()
    assert (path / ".trash/circle/circle_0001.jpg").is_file()
    assert (path / "triangle/square_0004.jpg").is_file()
    assert "1 to the trash, 1 relabelled" in cleaner.status.value
    assert "0 pending changes" in cleaner.pending_label.value
    assert "circle/circle_0001.jpg" not in shown(cleaner)
    cleaner.label.value = "triangle"
    assert "triangle/square_0004.jpg" in shown(cleaner)
    cleaner.undo_button.click()
    assert (path / "circle/circle_0001.jpg").is_file()
    assert (path / "square/square_0004.jpg").is_file()
    assert "triangle/square_0004.jpg" not in shown(cleaner)
    cleaner.undo_button.click()
    assert "nothing to undo" in cleaner.status.value
    cleaner.apply_button.click()
    assert "nothing to apply" in cleaner.status.value


def test_similar_mode_shows_the_copy_next_to_its_original(path, table):
    cleaner = ImageCleaner(path, table, mode="similar")
    assert shown(cleaner)[:2] == ["circle/circle_0002.jpg", "square/copy.jpg"]
    assert "same bytes" in cleaner.grid.children[0].children[0].value
    action_for(cleaner, "square/copy.jpg").value = "delete"
    cleaner.apply()
    assert "nothing to show" in cleaner.grid.children[0].value


def test_without_a_table_the_cleaner_finds_the_suspects_itself(path):
    cleaner = ImageCleaner(path, page_size=100)
    assert len(shown(cleaner)) == 31
    assert shown(cleaner)[0] in {"square/copy.jpg", *cleaner.table["name"][:3]}
    assert "%" in cleaner.grid.children[0].children[0].children[1].value  # the reason


def test_a_broken_file_gets_a_grey_thumbnail_not_a_crash(path, table):
    (path / "circle/circle_0001.jpg").write_bytes(b"not a picture")
    cleaner = ImageCleaner(path, table, page_size=50)
    assert "circle/circle_0001.jpg" in shown(cleaner)


def test_an_interrupted_apply_is_reported_and_recovered(path, table):
    class Crash(Exception):
        pass

    def crash(src, dst):
        raise Crash(src)

    with pytest.raises(Crash):
        cleaning.apply(path, {"circle/circle_0000.jpg": "delete"}, on_move=crash)
    cleaner = ImageCleaner(path, table)
    assert "interrupted" in cleaner.status.value
    cleaner.mark("circle/circle_0003.jpg", "delete")
    cleaner.apply_button.click()
    assert "recover" in cleaner.status.value and (path / "circle/circle_0003.jpg").exists()
    cleaner.recover()
    assert "circle/circle_0000.jpg" not in shown(cleaner)
    cleaner.apply()
    assert not (path / "circle/circle_0003.jpg").exists()


def test_marking_an_unknown_class_is_refused(path, table):
    with pytest.raises(ValueError, match="unknown action 'dog'"):
        ImageCleaner(path, table).mark("circle/circle_0000.jpg", "dog")
