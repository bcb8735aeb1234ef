"""The lesson's data: one DataBlock, one train/valid split, pictures turned upright.

    from lesson2.training.data import get_dls, split_files, valid_names
    dls = get_dls(path, plan)                 # path/<class>/*.jpg at the plan's size and batch
    train, valid = split_files(path, plan)    # the very pictures get_dls trains and validates on
    dls = get_dls(path, plan, valid_files=valid_names(dls))   # the same validation pictures again

Pictures are listed by `lesson2.dataset.folders` (as the cleaner and the gallery list them), the
split is fastai's `RandomSplitter` with the plan's `valid_pct` and `seed`, and every picture is
turned the way its EXIF tag says, as the web app's decoder does when it serves it. Training
sees random crops of each picture; validation, like the exported model, the whole picture.
The plan's `flip` and `turns` say which of fastai's augmentations run; what it leaves as None
falls back on fastai's defaults here (mirror images, no quarter turns) and on the pictures'
median size: `lesson2.training.choices.choose` decides them from the pictures instead, and says
why.
"""

import dataclasses
from pathlib import Path

import torch
from fastai.vision.all import (
    CategoryBlock,
    DataBlock,
    FuncSplitter,
    ImageBlock,
    PILImage,
    RandomResizedCrop,
    RandomSplitter,
    Transform,
    aug_transforms,
    parent_label,
)

from lesson2.dataset.folders import check_dataset, image_files
from lesson2.training.choices import choose_size
from lesson2.training.plan import loader_workers, max_size, pick_device, plan_for
from lesson2_app.pictures import upright

MIN_SCALE = 0.5  # RandomResizedCrop keeps at least half of each picture, as in fastbook
VAL_XTRA = 0.0  # validation (and so the app) sees each whole picture, squished to the size:
# fastai's default, 0.14, squishes it to the size plus 14%, rounded up to a multiple of 8 px
# (152 for 128), and cuts that margin away, 29% of the area at 128 px; on small crops of photos
# the head read held-out pictures 5 points worse for it (benchmarks/RESULTS.md)


class Upright(Transform):
    """Turns each picture the way its EXIF orientation says, as `lesson2_app.pictures.read_rgb`
    does for the app: a phone photo lying on its side trains the way it will be served."""

    order = 0  # before any crop or resize

    def encodes(self, img: PILImage):
        turned = upright(img)
        return img if turned is img else PILImage(turned.convert("RGB"))


def split_files(path, plan=None):
    """(train, valid) picture paths of the dataset at `path`, split as the plan says."""
    plan = plan or plan_for("cpu")
    files = image_files(path)
    train, valid = RandomSplitter(valid_pct=plan.valid_pct, seed=plan.seed)(files)
    return [files[i] for i in train], [files[i] for i in valid]


def _check_size(path, files, plan):
    if len(files) * plan.valid_pct < 1 or len(files) * (1 - plan.valid_pct) < plan.bs / 4:
        raise ValueError(
            f"{len(files)} images in {path} are too few to split with valid_pct="
            f"{plan.valid_pct} and bs={plan.bs}: add images or lower bs"
        )


def get_dls(path, plan=None, *, valid_files=None, num_workers=None, device=None):
    """DataLoaders from path/<class>/<image> at the `plan`'s image and batch size.

    The validation set is the plan's random split (`split_files`), or exactly the files named
    in `valid_files` (relative to `path`), to compare runs on the same pictures."""
    device = torch.device(device) if device is not None else pick_device()
    plan = plan or plan_for(device)
    path = Path(path)
    files = check_dataset(path, empty_ok=False)
    plan = _filled(plan, files, device)
    if valid_files is None:
        _check_size(path, files, plan)
        valid = split_files(path, plan)[1]
    else:
        valid = [path / f for f in valid_files]
    valid = {f.resolve() for f in valid}
    dblock = DataBlock(
        blocks=(ImageBlock, CategoryBlock),
        get_items=image_files,
        splitter=FuncSplitter(lambda f: Path(f).resolve() in valid),
        get_y=parent_label,
        item_tfms=[
            Upright(),
            RandomResizedCrop(plan.size, min_scale=plan.min_scale, val_xtra=VAL_XTRA),
        ],
        batch_tfms=aug_transforms(do_flip=plan.flip, flip_vert=plan.turns),
    )
    workers = loader_workers(device) if num_workers is None else num_workers
    return dblock.dataloaders(path, path=path, bs=plan.bs, num_workers=workers, device=device)


def _filled(plan, files, device):
    """`plan` with fastai's augmentation defaults and the pictures' size where it has None."""
    size = plan.size or choose_size(files, max_size(device))[0]
    flip = True if plan.flip is None else plan.flip
    scale = MIN_SCALE if plan.min_scale is None else plan.min_scale
    return dataclasses.replace(
        plan, size=size, flip=flip, turns=bool(plan.turns) and flip, min_scale=scale
    )


def valid_names(dls):
    """The validation files of `dls`, relative to its path: pass them back as `valid_files`."""
    return sorted(str(Path(f).relative_to(dls.path)) for f in dls.valid.items)
