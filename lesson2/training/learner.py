"""A transfer-learning Learner: a pretrained body, a new head, and the speed-ups each device needs.

    from lesson2.training.learner import get_learner
    learn = get_learner(dls)                      # EfficientNet-Lite0, ImageNet weights, offline
    learn = get_learner(dls, "resnet34")          # the lesson's arch, once its weights are cached
    learn = get_learner(dls, pretrained=False)    # random weights: nothing to download

On a CPU the pretrained body's BatchNorm statistics stay fixed, so a frozen body needs no
backward pass; on CUDA the learner trains in mixed precision with channels_last.
"""

from pathlib import Path

import torch
from fastai.vision.all import (
    AMPMode,
    Callback,
    ChannelsLast,
    Learner,
    MixedPrecision,
    Normalize,
    accuracy,
    add_head,
    bn_types,
    default_split,
    error_rate,
    imagenet_stats,
    vision_learner,
)

from lesson2.training import models
from lesson2.workspace import data_dir


def _add_normalize(dls, stats):
    """Normalize inputs with the statistics the pretrained weights expect (once), on the
    DataLoaders' device (fastai's default puts them on any GPU there is, CPU loaders or not)."""
    if not any(isinstance(t, Normalize) for t in dls.after_batch.fs):
        dls.add_tfms([Normalize.from_stats(*stats, cuda=False)], "after_batch")
        dls.device = dls.device  # the setter moves every batch transform there


class BatchNormEval(Callback):
    """Keeps the pretrained body's BatchNorm statistics fixed while training.

    With `train_bn=False` a frozen body then needs no backward pass at all, and an unfrozen one
    skips computing batch statistics: on a CPU that is most of the time of a training step."""

    order = 1  # after TrainEvalCallback has put the model in training mode

    def before_train(self):
        for layer in self.learn.model[0].modules():
            if isinstance(layer, bn_types):
                layer.eval()


def _speed_up(learn):
    """Fixed BatchNorm statistics if asked; on CUDA mixed precision and channels_last memory."""
    if learn.bn_eval:
        learn.add_cb(BatchNormEval())
    if learn.dls.device.type != "cuda":
        return learn
    mode = AMPMode.BF16 if torch.cuda.is_bf16_supported() else AMPMode.FP16
    return learn.add_cbs([ChannelsLast(), MixedPrecision(amp_mode=mode)])


def stages_dir(dls):
    """Where the learner's saved stages (and lr_find's temporary weights) go: beside the
    datasets, never inside one, where a `models` folder would pass for a class."""
    return data_dir() / "stages" / Path(dls.path).resolve().name


def get_learner(dls, arch=models.DEFAULT_ARCH, pretrained=True, *, bn_eval=None, **kwargs):
    """A transfer-learning Learner for `arch` (a name), frozen when `pretrained`.

    `bn_eval` fixes the body's BatchNorm statistics (default: on a CPU, when pretrained), see
    `BatchNormEval`. kwargs go to fastai's Learner (e.g. `metrics`, `wd`, `cbs`, `path`); its
    `model_dir` defaults to `stages_dir(dls)`."""
    kwargs.setdefault("model_dir", stages_dir(dls))
    if bn_eval is None:
        bn_eval = pretrained and dls.device.type == "cpu"
    kwargs.setdefault("metrics", [error_rate, accuracy])
    kwargs.setdefault("train_bn", not bn_eval)
    if arch in models.torchvision_archs():
        builder = models.torchvision_arch(arch, pretrained)  # before dls changes: it may fail
        _add_normalize(dls, imagenet_stats)
        learn = vision_learner(dls, builder, pretrained=pretrained, **kwargs)
    else:
        body, stats = models.timm_body(arch, pretrained)
        _add_normalize(dls, stats)
        net = add_head(body, body.model.num_features, dls.c, pool=body.needs_pool)
        learn = Learner(dls, net, splitter=default_split, **kwargs)
        if pretrained:
            learn.freeze()
    learn.model.to(dls.device)  # fastai moves it only when a fit begins: features computed
    # before one (the recipe's head stage, the cleaner) would meet batches on another device
    learn.arch_name, learn.bn_eval = arch, bn_eval
    return _speed_up(learn)
