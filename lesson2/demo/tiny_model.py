"""A small model trained on drawn shapes in seconds: for tests, benchmarks and quick tries.

    from lesson2.demo.tiny_model import shapes_model
    pkl = shapes_model("build/tiny")                  # build/tiny/export.pkl (trained once)
    pkl = shapes_model("build/bench", n_per_class=40, size=128)

The pictures it learnt from are in `pkl.parent / "shapes"` (one folder per class).
"""

from pathlib import Path

from lesson2.demo.shapes import draw_dataset

TINY_CLASSES = ("circle", "square", "triangle")  # three the tiny model tells apart in seconds


def shapes_model(
    dest, n_per_class=12, size=64, freeze_epochs=1, epochs=1, bs=8, classes=TINY_CLASSES
):
    """dest/export.pkl: EfficientNet-Lite0 fine-tuned on dest/shapes, `classes` of the demo's
    (drawn and trained once, seeded: the same model every time)."""
    from fastai.vision.all import set_seed

    from lesson2.production.export import export_learner
    from lesson2.training.data import get_dls
    from lesson2.training.learner import get_learner
    from lesson2.training.plan import plan_for
    from lesson2.training.recipe import fit_recipe

    dest = Path(dest)
    pkl = dest / "export.pkl"
    if pkl.exists():
        return pkl
    draw_dataset(dest / "shapes", classes=classes, n_per_class=n_per_class, size=size)
    plan = plan_for("cpu", size=size, bs=bs, freeze_epochs=freeze_epochs, epochs=epochs)
    set_seed(0, reproducible=True)  # the new head's weights and the batches' order
    learn = get_learner(get_dls(dest / "shapes", plan, num_workers=0, device="cpu"))
    with learn.no_bar(), learn.no_logging():
        fit_recipe(learn, plan)
    return export_learner(learn, pkl)
