"""The cleaner widget, driven through its own controls, on real files; losses from a real model."""

import io
import math
import shutil

import numpy as np
import pandas as pd
import pytest
from _models import examples, tiny_model
from PIL import Image

from lesson2 import cleaning
from lesson2.cleaner import ImageCleaner
from lesson2.shapes import draw_dataset
from lesson2.suspects import COLUMNS, found_fraction, image_losses, rank


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
    draw_dataset(tmp_path / "data", n_per_class=10, size=48)
    shutil.copy(tmp_path / "data/circle/circle_0002.jpg", tmp_path / "data/square/copy.jpg")
    return tmp_path / "data"


@pytest.fixture
def table(path):
    """Scores as a model would give them: a loss per image (decreasing in a fixed random order)."""
    names = sorted(f.relative_to(path).as_posix() for f in path.glob("*/*.jpg"))
    rng = np.random.default_rng(0)
    loss = rng.permutation(len(names)) / 10
    return pd.DataFrame(
        {
            "name": names,
            "label": [n.split("/")[0] for n in names],
            "split": ["valid" if i % 5 == 0 else "train" for i in range(len(names))],
            "pred": ["circle"] * len(names),
            "prob": np.exp(-loss).round(4),
            "loss": loss,
        },
        columns=COLUMNS,
    )


def test_first_page_shows_thumbnails_of_the_highest_losses(path, table):
    cleaner = ImageCleaner(path, table, page_size=6, thumb_size=40)
    assert shown(cleaner) == rank(table, "loss")["name"].head(6).tolist()
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
    cleaner.split.value = "valid"
    cleaner.mode.value = "confidence"
    cleaner.mode.value = "duplicates"
    cleaner.mode.value = "loss"
    cleaner.split.value = "all"
    cleaner.label.value = "all"
    assert shown(cleaner)[0] == first
    assert action_for(cleaner, first).value == "delete"
    assert cleaner.decisions == {first: "delete"}


def test_paging_and_mode_changes_reuse_the_same_widgets(path, table):
    from ipywidgets.widgets.widget import _instances  # every live widget, by model id

    cleaner = ImageCleaner(path, table, page_size=6, mode="duplicates")
    cleaner.mode.value = "loss"
    before = len(_instances)
    for _ in range(3):
        cleaner.next.click()
    cleaner.mode.value = "confidence"
    cleaner.mode.value = "duplicates"
    cleaner.mode.value = "loss"
    assert len(_instances) == before


def test_filters_show_only_that_class_and_split(path, table):
    cleaner = ImageCleaner(path, table, page_size=50)
    cleaner.label.value, cleaner.split.value = "square", "valid"
    expected = table[(table["label"] == "square") & (table["split"] == "valid")]
    assert sorted(shown(cleaner)) == sorted(expected["name"])
    cleaner.mode.value = "confidence"
    assert shown(cleaner) == rank(expected, "confidence")["name"].tolist()


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


def test_duplicates_mode_shows_the_copy_next_to_its_original(path, table):
    cleaner = ImageCleaner(path, table, mode="duplicates")
    assert shown(cleaner)[:2] == ["circle/circle_0002.jpg", "square/copy.jpg"]
    assert "same bytes" in cleaner.grid.children[0].children[0].value
    action_for(cleaner, "square/copy.jpg").value = "delete"
    cleaner.apply()
    assert "nothing to show" in cleaner.grid.children[0].value


def test_without_a_model_the_cleaner_lists_every_image(path):
    cleaner = ImageCleaner(path, page_size=100)
    assert len(shown(cleaner)) == 31


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


@pytest.mark.slow
def test_losses_match_the_learners_own_predictions(tmp_path_factory):
    from fastai.learner import load_learner

    learn = load_learner(tiny_model(tmp_path_factory))
    path = examples(tmp_path_factory)
    files = sorted(path.glob("*/*.jpg"))
    table = image_losses(learn, path, files=files)
    assert len(table) == len(files) and set(table["split"]) == {"-"}
    for row in table.sample(4, random_state=0).itertuples():
        with learn.no_bar():
            pred, _, probs = learn.predict(path / row.name)
        p_label = float(probs[list(learn.dls.vocab).index(row.label)])
        assert row.pred == pred and math.isclose(row.prob, float(probs.max()), abs_tol=1e-3)
        assert math.isclose(row.loss, -math.log(p_label), rel_tol=1e-3, abs_tol=1e-3)


def test_found_fraction_counts_planted_names_among_the_top():
    assert found_fraction(["a", "b", "c"], ["b", "z"]) == 0.5
    assert math.isnan(found_fraction(["a"], []))


@pytest.mark.slow
def test_cli_prints_suspects_by_loss_with_a_real_model(tmp_path_factory, tmp_path, capsys):
    from lesson2.cli import main

    path = tmp_path / "data"
    shutil.copytree(examples(tmp_path_factory), path)
    shutil.copy(path / "triangle/triangle_0003.jpg", path / "circle/planted.jpg")
    model = tiny_model(tmp_path_factory)
    capsys.readouterr()  # training's progress bars, when this test built the model
    assert main(["clean", str(path), "--model", str(model), "--top", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "top 5 suspects by loss:"
    assert lines[1].split() == COLUMNS
    rows = [line.split() for line in lines[2:7]]
    losses = [float(r[-1]) for r in rows]
    assert losses == sorted(losses, reverse=True) and all(r[2] == "-" for r in rows)
    assert "  same bytes: circle/planted.jpg, triangle/triangle_0003.jpg" in lines
