"""What goes into the app's ONNX file: the network with an out-of-domain output, and the recipe.

    from lesson2.production.graph import Deployable, cpu_model, ood_stats, recipe_from
    recipe = recipe_from(learn)               # the validation preprocessing, for Pillow and NumPy
    model = cpu_model(learn)                  # a float32 copy of the network on the CPU
    stats = ood_stats(learn, model, train_files, valid_files)
    net = Deployable(model, stats)            # answers (probs, ood_score) for a batch

`ood_score` is computed inside the graph, so the app, the command line and a browser all get it
from the same network and the same numbers.
"""

import copy

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

from lesson2.production import ood
from lesson2.training.features import body_features
from lesson2_app.preprocess import Recipe


class ExportError(ValueError):
    """The learner cannot be exported as it is; the message says why and what to do."""


def _resize_recipe(tfm):
    common = {"size": tuple(int(s) for s in tfm.size)}
    common["interpolation"] = Image.Resampling(tfm.mode).name.lower()
    if isinstance(tfm, RandomResizedCrop):
        return {**common, "method": "random_resized_crop", "val_xtra": float(tfm.val_xtra)}
    return {**common, "method": str(tfm.method), "pad_mode": str(tfm.pad_mode)}


def recipe_from(learn):
    """The validation preprocessing of a learner with fastai's transforms only (see
    `lesson2.production.export.fastai_only`) as a Recipe."""
    found, stats = None, None
    for tfm in learn.dls.after_item.fs:
        if isinstance(tfm, Resize | RandomResizedCrop):
            found = _resize_recipe(tfm)
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
    """Pooled body features (n, d) of `files`, preprocessed as for validation (on the learner's
    device: a DataLoader put on another one would move the transforms it shares with the
    learner's own, its Normalize's statistics among them)."""
    dl = learn.dls.test_dl(files, bs=bs, num_workers=0)
    return body_features(learn, dl, model=model)[0].numpy()


def ood_stats(learn, model, train_files, valid_files):
    """OODStats fitted on `train_files` (class: the parent folder), threshold on `valid_files`."""
    index = {str(v): i for i, v in enumerate(learn.dls.vocab)}
    unknown = sorted({f.parent.name for f in train_files} - set(index))
    if unknown:
        raise ExportError(f"training pictures in folders {unknown} are not classes of the model")
    targets = [index[f.parent.name] for f in train_files]
    stats = ood.fit(features(learn, model, train_files), targets, len(index))
    return stats.with_threshold(stats.scores(features(learn, model, valid_files)))


def metadata(learn, stats, recipe):
    """The JSON the app reads: labels, preprocessing, out-of-domain threshold, arch."""
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
