"""`lesson2 export`: turn an exported learner (.pkl) into the one ONNX file the web app serves.

    lesson2 export ~/.lesson2/models/shapes.pkl             # writes shapes.onnx beside it
    lesson2 export bears.pkl --out app-model.onnx --data ~/bears

The ONNX file holds the network, the labels, the validation preprocessing and the statistics
that tell pictures unlike the training ones. Those statistics come from the training pictures:
by default the folder the learner was trained on (it remembers the path), split into training
and validation exactly as `lesson2 train` did (--valid-pct, --seed). Only export .pkl files you
trust: loading one runs code from it.
"""

import argparse
import sys
from pathlib import Path


def add(sub):
    p = sub.add_parser(
        "export",
        help="export a trained learner (.pkl) to one ONNX file for the web app",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", type=Path, help="the exported learner (.pkl)")
    p.add_argument("--out", type=Path, help="the ONNX file to write (default: MODEL.onnx)")
    p.add_argument("--data", type=Path, help="the training folder (default: where it was trained)")
    p.add_argument("--valid-pct", type=float, default=0.2, help="share used for validation")
    p.add_argument("--seed", type=int, default=42, help="seed of the train/valid split")
    return p


def split_files(data, valid_pct=0.2, seed=42):
    """(train, valid) files of the folder `data`, split as `lesson2.train.get_dls` splits them."""
    from fastai.vision.all import RandomSplitter

    from lesson2.train import check_image_folder

    files = check_image_folder(data)
    train, valid = RandomSplitter(valid_pct=valid_pct, seed=seed)(files)
    return [files[i] for i in train], [files[i] for i in valid]


def export(model, out=None, data=None, valid_pct=0.2, seed=42):
    """Export the learner in `model` to `out` (default: beside it, .onnx); returns the Path."""
    from lesson2.deploy import export_onnx
    from lesson2.inference import load

    learn = load(model)
    data = Path(data or learn.dls.path).expanduser()
    if not data.is_dir():
        raise FileNotFoundError(
            f"the training pictures are not at {data} any more: pass --data FOLDER, the folder "
            "of class folders the model was trained on"
        )
    train, valid = split_files(data, valid_pct, seed)
    return export_onnx(learn, out or Path(model).with_suffix(".onnx"), train, valid)


def run(*, model, out=None, data=None, valid_pct=0.2, seed=42):
    """Export `model` to ONNX; prints where, and returns 0, or 2 with a message."""
    from lesson2.deploy import ExportError
    from lesson2.inference import ModelFileError

    try:
        path = export(model, out, data, valid_pct, seed)
    except (ModelFileError, ExportError, FileNotFoundError, ValueError) as e:
        print(f"lesson2 export: {e}", file=sys.stderr)
        return 2
    print(f"exported {Path(model).name} to {path} ({path.stat().st_size / 2**20:.1f} MB)")
    return 0
