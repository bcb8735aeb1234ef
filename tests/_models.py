"""The tiny exported learner the tests share, trained once per test session on drawn shapes.

from _models import tiny_model
path = tiny_model(tmp_path_factory)   # .../tiny-model/export.pkl, shared by every test file
"""

from lesson2.demo_model import shapes_model


def tiny_model(tmp_path_factory):
    """The path of a small EfficientNet-Lite0 learner fine-tuned for one epoch (built once)."""
    return shapes_model(tmp_path_factory.getbasetemp() / "tiny-model")


def examples(tmp_path_factory):
    """The folder of drawn shapes the tiny model was trained on (class subfolders)."""
    return tiny_model(tmp_path_factory).parent / "shapes"
