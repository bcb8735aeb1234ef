"""lesson2.demo.tiny_model: a small trained learner, built once and reused."""

import pytest

from lesson2.demo.tiny_model import shapes_model


@pytest.mark.slow
def test_the_model_is_trained_once_and_beside_its_pictures(tiny_model_path):
    assert tiny_model_path.name == "export.pkl" and tiny_model_path.is_file()
    assert sorted(p.name for p in (tiny_model_path.parent / "shapes").iterdir()) == [
        "circle",
        "square",
        "triangle",
    ]
    made = tiny_model_path.stat().st_mtime_ns
    assert shapes_model(tiny_model_path.parent) == tiny_model_path  # found, not trained again
    assert tiny_model_path.stat().st_mtime_ns == made
