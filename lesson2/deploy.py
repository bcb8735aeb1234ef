"""Export a learner to one ONNX file the web app can serve without fastai or torch.

    from lesson2.deploy import export_onnx, recipe_from
    export_onnx(learn, "models/shapes.onnx")          # a live learner: its own train/valid files
    export_onnx(learn, dest, train_files, valid_files)   # a loaded .pkl: name the pictures

The file holds the network with two outputs, `probs` and `ood_score`, and metadata (key
"lesson2") with the labels, the validation preprocessing read from the learner's own transforms
(`app.preprocess.Recipe`) and the out-of-domain threshold. The out-of-domain statistics
(`lesson2.ood`) are float32 tensors inside the graph: the features of the training pictures
give the class means and covariance, and the validation pictures choose the threshold.
"""

import copy
import json
import warnings
from pathlib import Path

import onnx
import torch
from fastai.vision.all import (
    AffineCoordTfm,
    IntToFloatTensor,
    Normalize,
    RandomResizedCrop,
    Resize,
    ToTensor,
)
from PIL import Image

from lesson2 import ood
from lesson2.app.model import INPUT, META_KEY, OUTPUTS
from lesson2.app.preprocess import Recipe
from lesson2.atomic import atomic_path
from lesson2.train import Upright

OPSET = 17


class ExportError(ValueError):
    """The learner cannot be exported as it is; the message says why and what to do."""


def _resize_recipe(tfm):
    common = {"size": tuple(int(s) for s in tfm.size)}
    common["interpolation"] = Image.Resampling(tfm.mode).name.lower()
    if isinstance(tfm, RandomResizedCrop):
        return {**common, "method": "random_resized_crop", "val_xtra": float(tfm.val_xtra)}
    return {**common, "method": str(tfm.method), "pad_mode": str(tfm.pad_mode)}


def recipe_from(learn):
    """The learner's validation preprocessing as a Recipe, read from its transforms."""
    found, stats = None, None
    for tfm in learn.dls.after_item.fs:
        if isinstance(tfm, Resize | RandomResizedCrop):
            found = _resize_recipe(tfm)
        elif isinstance(tfm, Upright):
            pass  # the app's decoder (app/pictures.py) turns every picture upright itself
        elif not isinstance(tfm, ToTensor):
            raise ExportError(f"the item transform {tfm} has no Pillow/NumPy version here")
    for tfm in learn.dls.after_batch.fs:
        if isinstance(tfm, Normalize):
            stats = tfm.mean.flatten().tolist(), tfm.std.flatten().tolist()
        elif isinstance(tfm, IntToFloatTensor):
            if float(tfm.div) != 255:
                raise ExportError(f"{tfm} divides by {tfm.div}, not 255")
        elif isinstance(tfm, AffineCoordTfm) and tfm.size is None:
            pass  # on validation batches an identity warp: the pixels stay where they are
        elif getattr(tfm, "split_idx", None) != 0:  # 0: applied to training batches only
            raise ExportError(f"the batch transform {tfm} also runs on validation pictures")
    if found is None:
        raise ExportError("the learner resizes no pictures: give its DataBlock a Resize item_tfm")
    if stats is None:
        raise ExportError("the learner does not normalise its inputs: add Normalize.from_stats")
    return Recipe(**found, mean=tuple(stats[0]), std=tuple(stats[1]))


class Deployable(torch.nn.Module):
    """The learner's network answering class probabilities and the out-of-domain score."""

    def __init__(self, model, stats):
        super().__init__()
        self.body, self.head = model[0], model[1]
        self.register_buffer("whiten", torch.from_numpy(stats.whiten))
        self.register_buffer("means", torch.from_numpy(stats.means))

    def forward(self, image):
        features = self.body(image)
        probs = self.head(features).softmax(dim=-1)
        z = features.mean((2, 3)) @ self.whiten
        d2 = ((z[:, None, :] - self.means[None]) ** 2).sum(-1)
        return probs, d2.min(dim=1).values.sqrt()


def _check_softmax(learn):
    """The graph ends in a softmax: refuse learners whose loss turns outputs into probabilities
    another way (multi-label sigmoid, say)."""
    logits = torch.linspace(-2, 2, 12).reshape(4, 3)
    activation = getattr(learn.loss_func, "activation", None)
    if activation is None or not torch.allclose(activation(logits), logits.softmax(-1)):
        raise ExportError(
            f"the learner's loss {type(learn.loss_func).__name__} does not end in a softmax: "
            "only single-label classifiers (CrossEntropyLossFlat) can be exported"
        )


def cpu_model(learn):
    """A float32 copy of the learner's network on the CPU, in evaluation mode."""
    _check_softmax(learn)
    model = copy.deepcopy(learn.model).cpu().float().eval()
    if not isinstance(model, torch.nn.Sequential) or len(model) != 2:
        raise ExportError(
            "expected fastai's Sequential(body, head) network, as vision_learner makes"
        )
    return model


def features(learn, model, files, bs=64):
    """Pooled body features (n, d) of `files`, preprocessed as for validation."""
    dl = learn.dls.test_dl(files, bs=bs, num_workers=0, device=torch.device("cpu"))
    out = []
    with torch.inference_mode():
        for (xb,) in dl:
            out.append(model[0](xb.as_subclass(torch.Tensor)).mean((2, 3)))
    return torch.cat(out).numpy()


def ood_stats(learn, model, train_files, valid_files):
    """OODStats fitted on `train_files` (class: the parent folder), threshold on `valid_files`."""
    index = {str(v): i for i, v in enumerate(learn.dls.vocab)}
    unknown = sorted({f.parent.name for f in train_files} - set(index))
    if unknown:
        raise ExportError(f"training pictures in folders {unknown} are not classes of the model")
    targets = [index[f.parent.name] for f in train_files]
    stats = ood.fit(features(learn, model, train_files), targets, len(index))
    return stats.with_threshold(stats.scores(features(learn, model, valid_files)))


def data_files(learn):
    """(train, valid) picture paths of a learner that still holds its data."""
    train, valid = learn.dls.train_ds.items, learn.dls.valid_ds.items
    if not len(train) or not len(valid):
        raise ExportError(
            "the learner holds no pictures (an exported .pkl forgets them): pass the training and "
            "validation files, e.g. `lesson2 export MODEL.pkl --data FOLDER`"
        )
    return list(train), list(valid)


def metadata(learn, stats, recipe):
    return {
        "format": 1,
        "labels": [str(v) for v in learn.dls.vocab],
        "preprocess": recipe.to_dict(),
        "ood": {
            "score": "Mahalanobis distance of the body's average-pooled features to the nearest "
            "class mean (shared Ledoit-Wolf covariance), output 'ood_score'",
            "threshold": stats.threshold,
            "valid_flagged": stats.flagged,
        },
        "arch": getattr(learn, "arch_name", type(learn.model[0]).__name__),
    }


def export_onnx(learn, dest, train_files=None, valid_files=None):
    """Write `learn` as one ONNX file at `dest` (atomically); returns its Path."""
    if train_files is None or valid_files is None:
        train_files, valid_files = data_files(learn)
    recipe, model = recipe_from(learn), cpu_model(learn)
    stats = ood_stats(learn, model, list(map(_path, train_files)), list(map(_path, valid_files)))
    net = Deployable(model, stats).eval()
    w, h = recipe.size
    example = torch.zeros(1, 3, h, w)
    with atomic_path(dest) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(
            net, (example,), str(tmp), input_names=[INPUT], output_names=OUTPUTS,
            dynamic_axes={INPUT: {0: "n"}, OUTPUTS[0]: {0: "n"}, OUTPUTS[1]: {0: "n"}},
            opset_version=OPSET, dynamo=False,
        )  # fmt: skip
        proto = onnx.load(str(tmp))
        entry = proto.metadata_props.add()
        entry.key, entry.value = META_KEY, json.dumps(metadata(learn, stats, recipe))
        onnx.save(proto, str(tmp))
    return _path(dest).absolute()


def _path(f):
    return Path(f).expanduser()
