"""A tiny exported learner for tests, trained once per test session on drawn shapes.

from _models import tiny_model
path = tiny_model(tmp_path_factory)   # .../tiny-model/export.pkl, shared by every test file
"""

from lesson2.shapes import draw_dataset
from lesson2.train import export, get_dls, get_learner, plan_for

N_PER_CLASS, SIZE = 12, 64  # enough for a real split and a model that is better than chance


def tiny_model(tmp_path_factory):
    """The path of a small EfficientNet-Lite0 learner fine-tuned for one epoch (built once)."""
    root = tmp_path_factory.getbasetemp() / "tiny-model"
    dest = root / "export.pkl"
    if not dest.exists():
        draw_dataset(root / "shapes", n_per_class=N_PER_CLASS, size=SIZE)
        dls = get_dls(
            root / "shapes", plan_for("cpu", size=SIZE, bs=8), num_workers=0, device="cpu"
        )
        learn = get_learner(dls)
        learn.fine_tune(1)
        export(learn, dest)
    return dest


def examples(tmp_path_factory):
    """The folder of drawn shapes the tiny model was trained on (class subfolders)."""
    return tiny_model(tmp_path_factory).parent / "shapes"
