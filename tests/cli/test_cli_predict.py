"""`lesson2 predict` and `lesson2 export` from the command line, with real model files."""

import json

import pytest

from lesson2.cli import main as cli
from lesson2.demo.outsiders import real_photos


@pytest.mark.slow
def test_predict_says_label_or_none_of_these(tiny_onnx, tiny_examples, tmp_path, capsys):
    cat = tmp_path / "chelsea.png"
    real_photos(["chelsea"])["chelsea"].save(cat)
    square = sorted(tiny_examples.glob("square/*.jpg"))[0]
    assert cli(["predict", str(tiny_onnx), str(square), str(cat)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{square.name}: ") and "ood score" in lines[0]
    assert lines[1].startswith("chelsea.png: does not look like any of: circle, square, triangle")


@pytest.mark.slow
def test_predict_json_matches_the_api_fields(tiny_onnx, tiny_examples, capsys):
    path = sorted(tiny_examples.glob("circle/*.jpg"))[0]
    assert cli(["predict", str(tiny_onnx), str(path), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == {"file", "label", "probs", "seconds", "in_domain", "ood_score"}
    assert isinstance(answer["in_domain"], bool)


@pytest.mark.slow
def test_predict_reports_bad_pictures_and_goes_on(tiny_onnx, tiny_examples, tmp_path, capsys):
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a picture")
    path = sorted(tiny_examples.glob("circle/*.jpg"))[0]
    assert cli(["predict", str(tiny_onnx), str(notes), str(path)]) == 1
    out = capsys.readouterr()
    assert "notes.jpg: not an image" in out.err and path.name in out.out


def test_predict_explains_a_bad_model(tmp_path, capsys):
    assert cli(["predict", str(tmp_path / "none.onnx"), "x.jpg"]) == 2
    assert "does not exist" in capsys.readouterr().err
