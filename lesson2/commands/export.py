"""`lesson2 export`: turn an exported learner (.pkl) into the one ONNX file the web app serves.

    lesson2 export ~/.lesson2/models/shapes.pkl             # writes shapes.onnx beside it
    lesson2 export bears.pkl --out app-model.onnx --data ~/bears

The ONNX file holds the network, the labels, the validation preprocessing and the statistics
that tell pictures unlike the training ones. Those statistics come from the training pictures:
by default the folder the learner was trained on (it remembers the path), split into training
and validation exactly as `lesson2 train` did (--valid-pct, --seed). Only export .pkl files you
trust: loading one runs code from it.
"""

import sys
from pathlib import Path

from lesson2.commands import subcommand
from lesson2.training.plan import SEED, VALID_PCT


def add(sub):
    p = subcommand(
        sub, "export", "export a trained learner (.pkl) to one ONNX file for the web app", __doc__
    )
    p.add_argument("pkl", type=Path, help="the exported learner (.pkl)")
    p.add_argument("--out", type=Path, help="the ONNX file to write (default: PKL.onnx)")
    p.add_argument("--data", type=Path, help="the training folder (default: where it was trained)")
    p.add_argument("--valid-pct", type=float, default=VALID_PCT, help="share used for validation")
    p.add_argument("--seed", type=int, default=SEED, help="seed of the train/valid split")
    return p


def run(*, pkl, out=None, data=None, valid_pct=VALID_PCT, seed=SEED):
    """Export `pkl` to ONNX; prints where, and returns 0, or 2 with a message."""
    from lesson2.production.export import ExportError, onnx_from_pkl
    from lesson2.production.inference import ModelFileError
    from lesson2.training.plan import plan_for

    try:
        path = onnx_from_pkl(pkl, out, data, plan_for("cpu", valid_pct=valid_pct, seed=seed))
    except (ModelFileError, ExportError, FileNotFoundError, ValueError) as e:
        print(f"lesson2 export: {e}", file=sys.stderr)
        return 2
    print(f"exported {Path(pkl).name} to {path} ({path.stat().st_size / 2**20:.1f} MB)")
    return 0
