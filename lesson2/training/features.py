"""What the network's body sees in a picture: its activation map, pooled to one vector.

    from lesson2.training.features import body_features, pooled
    v = pooled(body, xb)                        # (n, d): the activations averaged over the map
    v = pooled(body, xb, concat=True)           # (n, 2d): max and average, as fastai's head pools
    x, y = body_features(learn, learn.dls.valid)     # every batch of a DataLoader, no gradients
    feats = precompute(learn)   # {"train": (x, y), "valid": (x, y), "c": classes}, once
    dls = feature_loaders(feats["train"], feats["valid"], bs=32)   # DataLoaders for a head

The cleaner ranks suspects on these vectors, the recipe's head stage and the pitfalls train
heads on them, and the exported model measures how far a picture lies from every class with
them.
"""

from pathlib import Path

import torch


def pooled(body, x, concat=False):
    """The body's activations for the batch `x`, pooled over the picture (a body that pools
    itself, as timm's with no classifier, gives its own vectors)."""
    out = body(x)
    if out.ndim == 2:
        return out
    avg = out.mean((2, 3))
    return torch.cat([out.amax((2, 3)), avg], 1) if concat else avg


def body_features(learn, dl, concat=False, model=None):
    """(features, targets) of every batch of `dl` through the body of `model` (default: the
    learner's), in evaluation mode, each batch moved to the body's device; targets is None for
    a DataLoader without labels."""
    body = (model if model is not None else learn.model)[0].eval()
    device = next(body.parameters()).device
    xs, ys = [], []
    with torch.no_grad():  # not inference_mode: heads are trained on these tensors afterwards
        for xb, *yb in dl:
            x = xb.as_subclass(torch.Tensor).to(device)
            xs.append(pooled(body, x, concat).float().cpu())
            ys += [yb[0].as_subclass(torch.Tensor).cpu()] if yb else []
    return torch.cat(xs), (torch.cat(ys) if ys else None)


def precompute(learn, exclude=()):
    """The frozen body's features of every training picture (without augmentation) and every
    validation picture, computed once, pooled as fastai's head pools (max and average): what
    fastai 0.7 called `precompute=True`. Validation files in `exclude` (paths) are left out.
    Returns {"train": (x, y), "valid": (x, y), "c": number of classes}."""
    dls = learn.dls
    train_dl = dls.test_dl(dls.train.items, with_labels=True)
    vx, vy = body_features(learn, dls.valid, concat=True)
    exclude = {Path(f).resolve() for f in exclude}
    keep = torch.tensor([Path(f).resolve() not in exclude for f in dls.valid.items])
    train = body_features(learn, train_dl, concat=True)
    return {"train": train, "valid": (vx[keep], vy[keep]), "c": dls.c}


def feature_loaders(train, valid, bs, device="cpu"):
    """DataLoaders over (x, y) tensors of features, for training a head on them: batches of
    `bs`, or the whole training set when it is smaller (a full batch even from a tiny one)."""
    from fastai.vision.all import DataLoaders
    from torch.utils.data import TensorDataset

    return DataLoaders.from_dsets(
        TensorDataset(*train),
        TensorDataset(*valid),
        bs=min(bs, len(train[1])),
        device=device,
        num_workers=0,
    )
