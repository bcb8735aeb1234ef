"""`lesson2 predict`: classify pictures from the command line, as the web app would.

    lesson2 predict ~/.lesson2/models/shapes.onnx cat.jpg square.png
    lesson2 predict shapes.onnx *.jpg --json        # one JSON object a line, as the API answers

With the .onnx file `lesson2 export` writes, each answer also says whether the picture looks like
the training pictures at all (`in_domain`, `ood_score`). A .pkl learner works too (it needs
fastai and torch, and carries no out-of-domain statistics).
"""

import dataclasses
import json
import sys
from pathlib import Path

from lesson2.commands import subcommand


def add(sub):
    p = subcommand(
        sub,
        "predict",
        "classify pictures with a model (.onnx or .pkl), saying when none of the classes fit",
        __doc__,
    )
    p.add_argument(
        "model_file",
        metavar="MODEL",
        type=Path,
        help="the .onnx file (or an exported .pkl learner)",
    )
    p.add_argument("images", type=Path, nargs="+", help="picture files")
    p.add_argument("--json", dest="as_json", action="store_true", help="one JSON object a line")
    return p


def describe(name, pred, vocab):
    """One line a person reads: the label, or that the picture is like none of the classes."""
    best = f"{pred.label} {pred.probs[pred.label]:.0%}"
    if pred.in_domain is None:
        return f"{name}: {best} (no out-of-domain statistics: serve the .onnx export to know)"
    if not pred.in_domain:
        return (
            f"{name}: does not look like any of: {', '.join(vocab)} (ood score "
            f"{pred.ood_score:.1f}); the closest guess is {best}"
        )
    return f"{name}: {best} (ood score {pred.ood_score:.1f})"


def run(*, model_file, images, as_json=False):
    """Print a prediction for each of `images`; 1 if some could not be read, 2 for a bad model."""
    from lesson2.production.inference import ModelFileError, load, predict
    from lesson2_app.pictures import ImageError

    try:
        model = load(model_file)
    except ModelFileError as e:
        print(f"lesson2 predict: {e}", file=sys.stderr)
        return 2
    status = 0
    for path in images:
        try:
            pred = predict(model, path)
        except (ImageError, FileNotFoundError) as e:
            print(f"lesson2 predict: {path}: {e}", file=sys.stderr)
            status = 1
            continue
        if as_json:
            print(json.dumps({"file": str(path), **dataclasses.asdict(pred)}))
        else:
            print(describe(path.name, pred, model.vocab))
    return status
