"""Export a trained learner: the fastai .pkl, and the one ONNX file the web app serves.

    from lesson2.production.export import export_learner, export_onnx, onnx_from_pkl, pkl_path
    export_learner(learn, "models/shapes.pkl")     # load_learner reads it with fastai and timm
    export_onnx(learn, "models/shapes.onnx")       # a live learner: its own train/valid files
    onnx_from_pkl("models/shapes.pkl")             # an exported learner: its pictures split again
    pkl_path("models/shapes")                      # ExportError: "... name it models/shapes.pkl"

The ONNX file holds the network with two outputs, `probs` and `ood_score`, and metadata (key
"lesson2") with the labels, the validation preprocessing read from the learner's own transforms
(`lesson2_app.preprocess.Recipe`) and the out-of-domain threshold (`lesson2.production.graph`).
"""

import json
import warnings
from contextlib import contextmanager
from pathlib import Path

import onnx
import torch
from fastai.vision.all import Pipeline

from lesson2.atomic import atomic_path, write_with
from lesson2.dataset.folders import dataset_folder
from lesson2.production.graph import (
    Deployable,
    ExportError,
    cpu_model,
    metadata,
    ood_stats,
    recipe_from,
)
from lesson2.production.inference import load
from lesson2.training.data import split_files
from lesson2.training.plan import plan_for
from lesson2_app.model import INPUT, META_KEY, OUTPUTS

OPSET = 17


def _ours(obj):
    return type(obj).__module__.startswith("lesson2.")


@contextmanager
def fastai_only(learn):
    """`learn` without lesson2's own callbacks and item transforms while the block runs: what an
    export holds, so that it loads with fastai and timm alone. The app's decoder turns pictures
    upright itself (lesson2_app.pictures), as the training's `Upright` step did."""
    callbacks = [cb for cb in learn.cbs if _ours(cb)]
    pipelines = [dl.after_item for dl in learn.dls.loaders]
    learn.remove_cbs(callbacks)
    for dl in learn.dls.loaders:
        keep = [t for t in dl.after_item.fs if not _ours(t)]
        dl.after_item = Pipeline(keep, split_idx=dl.after_item.split_idx)
    try:
        yield learn
    finally:
        learn.add_cbs(callbacks)
        for dl, pipeline in zip(learn.dls.loaders, pipelines, strict=True):
            dl.after_item = pipeline


def export_learner(learn, fname):
    """Export `learn` for inference to `fname` (a .pkl, `pkl_path`) atomically; returns the
    file's absolute Path."""
    fname = pkl_path(fname)
    with fastai_only(learn):
        return write_with(fname, learn.export)


def pkl_path(fname):
    """`fname` as a Path, if it names a .pkl: the app's .onnx goes beside it, and torch cannot
    save a learner under a temporary name with no suffix. Check it before training, not after."""
    fname = Path(fname).expanduser()
    if fname.suffix != ".pkl":
        better = fname.with_suffix(".pkl") if fname.suffix else fname.with_name(fname.name + ".pkl")
        raise ExportError(
            f"the exported model's file name must end in .pkl (the app's .onnx is written "
            f"beside it), not {fname.name!r}: name it {better}, say"
        )
    return fname


def _data_files(learn):
    """(train, valid) picture paths of a learner that still holds its data."""
    train, valid = learn.dls.train_ds.items, learn.dls.valid_ds.items
    if not len(train) or not len(valid):
        raise ExportError(
            "the learner holds no pictures (an exported .pkl forgets them): pass the training and "
            "validation files, e.g. `lesson2 export MODEL.pkl --data FOLDER`"
        )
    return list(train), list(valid)


def export_onnx(learn, dest, train_files=None, valid_files=None):
    """Write `learn` as one ONNX file at `dest` (atomically); returns its absolute Path."""
    if train_files is None or valid_files is None:
        train_files, valid_files = _data_files(learn)
    train_files, valid_files = [Path(f) for f in train_files], [Path(f) for f in valid_files]
    with fastai_only(learn):
        recipe, model = recipe_from(learn), cpu_model(learn)
        stats = ood_stats(learn, model, train_files, valid_files)
    net = Deployable(model, stats).eval()
    w, h = recipe.size
    dest = Path(dest).expanduser().absolute()
    with atomic_path(dest) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(
            net,
            (torch.zeros(1, 3, h, w),),
            str(tmp),
            input_names=[INPUT],
            output_names=OUTPUTS,
            opset_version=OPSET,
            dynamo=False,
            dynamic_axes={INPUT: {0: "n"}, OUTPUTS[0]: {0: "n"}, OUTPUTS[1]: {0: "n"}},
        )
        proto = onnx.load(str(tmp))
        entry = proto.metadata_props.add()
        entry.key, entry.value = META_KEY, json.dumps(metadata(learn, stats, recipe))
        onnx.save(proto, str(tmp))
    return dest


def training_pictures(learn, data=None, plan=None):
    """(train, valid) picture paths of an exported learner: `data` (default: the folder it was
    trained on, which it remembers), split as the `plan` says (the default plan splits as
    `lesson2 train` did)."""
    data = Path(data or learn.dls.path).expanduser()
    try:
        dataset_folder(data)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"the training pictures are not at {data} any more: pass --data FOLDER, the folder "
            "of class folders the model was trained on"
        ) from None
    return split_files(data, plan or plan_for("cpu"))


def onnx_from_pkl(pkl, out=None, data=None, plan=None):
    """Export the learner saved in `pkl` to `out` (default: beside it, .onnx); returns the Path.

    The out-of-domain statistics need the training pictures (see `training_pictures`)."""
    learn = load(pkl).learn
    train, valid = training_pictures(learn, data, plan)
    return export_onnx(learn, out or Path(pkl).with_suffix(".onnx"), train, valid)


def onnx_for(model):
    """The .onnx file to serve for `model`: itself, or a .pkl's export (made when missing/stale)."""
    model = Path(model).expanduser()
    if model.suffix != ".pkl" or not model.is_file():
        return model  # the app's Model.load names what is wrong
    onnx_file = model.with_suffix(".onnx")
    if not onnx_file.is_file() or onnx_file.stat().st_mtime < model.stat().st_mtime:
        print(f"exporting {model.name} to {onnx_file.name} for the app")
        onnx_from_pkl(model, onnx_file)
    return onnx_file
