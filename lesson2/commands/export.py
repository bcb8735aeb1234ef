"""`lesson2 export`: turn an exported learner (.pkl) into the one ONNX file the web app serves,
or into a static site whose page runs the model in the visitor's browser.

    lesson2 export ~/.lesson2/models/shapes.pkl             # writes shapes.onnx beside it
    lesson2 export bears.pkl --out app-model.onnx --data ~/bears
    lesson2 export shapes.pkl --web site/                   # a folder for any static host
    python -m http.server -d site                           # try it on http://127.0.0.1:8000

The ONNX file holds the network, the labels, the validation preprocessing and the statistics
that tell pictures unlike the training ones. Those statistics come from the training pictures:
by default the folder the learner was trained on (it remembers the path), split into training
and validation exactly as `lesson2 train` did (--valid-pct, --seed). Only export .pkl files you
trust: loading one runs code from it.

--web DIR writes the page, the model (int8 weights: a quarter of the bytes, the same answers;
--no-quantize ships it as it is) and ONNX Runtime Web, taken from npm (the checkout's
node_modules after `make web-runtime`, else fetched once with npm). MODEL may then also be the
.onnx file an earlier export wrote, with --data. Publish DIR on GitHub Pages or any static host.
"""

import sys
from pathlib import Path

from lesson2.commands import subcommand
from lesson2.training.plan import SEED, VALID_PCT

EXAMPLES = 3  # lesson2.production.web.EXAMPLES, without importing the production stack


def add(sub):
    p = subcommand(
        sub,
        "export",
        "export a trained learner (.pkl) to one ONNX file for the web app, or to a static site",
        __doc__,
    )
    p.add_argument(
        "pkl",
        metavar="MODEL",
        type=Path,
        help="the exported learner (.pkl); with --web, also an .onnx export",
    )
    p.add_argument("--out", type=Path, help="the ONNX file to write (default: PKL.onnx)")
    p.add_argument("--web", type=Path, metavar="DIR", help="write a static site to DIR instead")
    p.add_argument(
        "--no-quantize",
        dest="quantize",
        action="store_false",
        help="--web: ship the float32 network as it is (a 38 MB page for the demo)",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=EXAMPLES,
        metavar="N",
        help="--web: validation pictures per class shown to try (public with the page; 0: none)",
    )
    p.add_argument("--data", type=Path, help="the training folder (default: where it was trained)")
    p.add_argument("--valid-pct", type=float, default=VALID_PCT, help="share used for validation")
    p.add_argument("--seed", type=int, default=SEED, help="seed of the train/valid split")
    return p


def run(
    *,
    pkl,
    out=None,
    web=None,
    quantize=True,
    examples=EXAMPLES,
    data=None,
    valid_pct=VALID_PCT,
    seed=SEED,
):
    """Export `pkl` to ONNX, or to a static site in `web`; prints where, and returns 0, or 2
    with a message."""
    from lesson2.production.export import ExportError, onnx_from_pkl
    from lesson2.production.inference import ModelFileError
    from lesson2.production.web import describe, export_web
    from lesson2.training.plan import plan_for

    plan = plan_for("cpu", valid_pct=valid_pct, seed=seed)
    if web is not None and out is not None:
        print(
            "lesson2 export: --out writes an ONNX file, --web a site: choose one", file=sys.stderr
        )
        return 2
    try:
        if web is not None:
            print(describe(export_web(pkl, web, data, plan, quantize, examples)))
            return 0
        path = onnx_from_pkl(pkl, out, data, plan)
    except (ModelFileError, ExportError, FileNotFoundError, ValueError) as e:
        print(f"lesson2 export: {e}", file=sys.stderr)
        return 2
    print(f"exported {Path(pkl).name} to {path} ({path.stat().st_size / 2**20:.1f} MB)")
    return 0
