"""What the cleaner knows about each picture, computed once and kept on disk.

    from lesson2.clean.features import embeddings
    emb = embeddings(path)            # every picture of path/<class>/ as a 1280-d unit vector
    emb.names[0], emb.labels[0], emb.vectors.shape, emb.plain.shape, emb.mirrored.shape
    emb = embeddings(path, learn)     # from a trained learner's body, at its own size

`plain` are the pretrained body's average-pooled activations of each picture as it is, scaled
to unit length, and `mirrored` those of its mirror image: the suspects' classifier reads both,
since a mirror image can be another class (a b mirrored is a d). `vectors` average the picture
and its mirror image (so a mirrored copy gets the same vector): what the duplicate search
compares. `thumbs` are small colour thumbnails that the duplicate search uses to check its
candidates. All are cached in path/.cleaning/ (a dot-folder: fastai never reads it) in one
file per model and size, keyed by the SHA-256 of each file's bytes: a renamed or relabelled
picture is not computed again, an edited one is.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from lesson2.atomic import atomic_path
from lesson2.dataset.folders import image_files
from lesson2.training.features import pooled
from lesson2.training.models import LITE0_STATS, lite0
from lesson2_app.pictures import ImageError, read_rgb

CACHE = ".cleaning"  # hidden: never part of the dataset
SIZE = 128  # pixels a side the body sees; the lesson's demo model trains at this size
THUMB = 32  # side of the colour thumbnail kept for checking duplicates
BS = 16  # pictures per forward pass: on 2 CPUs faster than 64 (4.7 against 7.4 ms a
# picture, cache-friendlier) and 230 MB lighter
VERSION = 2  # of the cache file's layout: a new layout never reads an old file


@dataclass
class Embeddings:
    """Per picture: its name (relative to the dataset), class, file digest and features."""

    names: list
    labels: list
    digests: list
    vectors: np.ndarray  # float32 (n, d), unit length: the picture and its mirror image
    plain: np.ndarray  # float16 (n, d), unit length: the picture as it is
    mirrored: np.ndarray  # float16 (n, d), unit length: its mirror image
    thumbs: np.ndarray  # uint8 (n, THUMB, THUMB, 3)
    source: str = "the pretrained EfficientNet-Lite0 body"  # what the features come from


class _Body:
    """A feature extractor: the pretrained EfficientNet-Lite0, or a learner's body."""

    def __init__(self, learn=None):
        if learn is None:
            self.net, self.stats, self.key = lite0(num_classes=0), LITE0_STATS, "lite0"
            self.size = SIZE
        else:
            self.net, self.stats = learn.model[0], _normalize_stats(learn)
            self.key = "learn-" + _weights_digest(self.net)
            self.size = _learner_size(learn)
        self.net.eval()
        self.device = next(self.net.parameters()).device
        self.mean, self.std = (torch.tensor(s).view(1, 3, 1, 1) for s in self.stats)

    @torch.inference_mode()
    def __call__(self, pixels):
        """float16 (b, 2, d): pooled features of a uint8 batch (b, size, size, 3) and of its
        mirror image."""
        x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div_(255)
        x = ((x - self.mean) / self.std).to(self.device)
        halves = torch.stack([pooled(self.net, x), pooled(self.net, x.flip(3))], 1)
        return halves.cpu().numpy().astype(np.float16)


def _normalize_stats(learn):
    """The (mean, std) of the learner's Normalize transform, or Lite0's if it has none."""
    for tfm in learn.dls.after_batch.fs:
        if type(tfm).__name__ == "Normalize":
            return tuple(tfm.mean.flatten().tolist()), tuple(tfm.std.flatten().tolist())
    return LITE0_STATS


def _learner_size(learn):
    """The side a learner was trained at (its resize step's), else SIZE."""
    for tfm in learn.dls.after_item.fs:
        size = getattr(tfm, "size", None)
        if size is not None:
            return int(max(size))
    return SIZE


def _weights_digest(net):
    h = hashlib.sha256()
    for tensor in net.state_dict().values():
        h.update(tensor.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def decode(data, name, size=SIZE):
    """The model's input (size x size RGB) and the colour thumbnail of one picture's bytes."""
    try:
        img = read_rgb(data)
    except ImageError as e:
        raise ImageError(f"{name}: {e}") from None
    rgb = np.asarray(img.resize((size, size), Image.Resampling.BILINEAR))
    thumb = np.array(img.resize((THUMB, THUMB), Image.Resampling.BOX))  # a copy: asarray would
    # keep Pillow's buffers alive, 30 KB more per picture for as long as the cache holds it
    return rgb, thumb


def _load_cache(fname):
    """{digest: (halves, thumb)} from the cache file; {} if it is missing or unreadable."""
    try:
        with np.load(fname, allow_pickle=False) as z:
            rows = zip(z["digests"], z["halves"], z["thumbs"], strict=True)
            return {str(d): (v, t) for d, v, t in rows}
    except (OSError, KeyError, ValueError):  # none yet, or damaged: it is only a cache
        return {}


def _columns(cached, digests):
    """(digests, halves, thumbs) of `digests` from the cache dict, as arrays."""
    digests = list(digests)
    dim = next(iter(cached.values()))[0].shape[-1] if cached else 0
    halves = np.array([cached[d][0] for d in digests], np.float16).reshape(len(digests), 2, dim)
    thumbs = np.array([cached[d][1] for d in digests], np.uint8)
    return digests, halves, thumbs.reshape(len(digests), THUMB, THUMB, 3)


def _save_cache(fname, digests, halves, thumbs):
    with atomic_path(fname) as tmp, open(tmp, "wb") as f:  # np.savez adds .npz to a bare path
        np.savez(f, digests=np.array(digests), halves=halves, thumbs=thumbs)


def unit_rows(x):
    """Each row of `x` scaled to unit length, as float32 (an all-zero row stays zero)."""
    x = np.asarray(x, np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def embeddings(path, learn=None, progress=False):
    """Features of every picture of the dataset at `path`, from the cache where it has them."""
    from tqdm.auto import tqdm

    path = Path(path)
    files = image_files(path)
    body = _Body(learn)
    cache_file = path / CACHE / f"features-v{VERSION}-{body.key}-{body.size}.npz"
    cached = _load_cache(cache_file)
    digests = [hashlib.sha256(f.read_bytes()).hexdigest() for f in files]
    todo = {}  # digest -> the first file with those bytes, for the pictures not cached yet
    for f, digest in zip(files, digests, strict=True):
        if digest not in cached:
            todo.setdefault(digest, f)
    new, broken = list(todo), []
    for start in tqdm(range(0, len(new), BS), desc="features", unit="batch", disable=not progress):
        batch = []  # decoded a batch at a time: memory stays flat however many pictures
        for digest in new[start : start + BS]:
            file = todo[digest]
            try:
                batch.append(
                    (
                        digest,
                        *decode(file.read_bytes(), file.relative_to(path).as_posix(), body.size),
                    )
                )
            except ImageError as e:  # the message names the file
                broken.append(str(e))
        if batch:
            chunk, pixels, thumbs = zip(*batch, strict=True)
            halves = body(np.stack(pixels))
            cached.update({d: (h, t) for d, h, t in zip(chunk, halves, thumbs, strict=True)})
    if broken:
        _save_cache(cache_file, *_columns(cached, cached))  # keep the work done so far
        raise ImageError(
            f"{len(broken)} file(s) cannot be read as pictures: {'; '.join(broken[:5])}. "
            "Delete them (or run lesson2.dataset.download.verify_images on the folder) and try "
            "again"
        )
    names = [f.relative_to(path).as_posix() for f in files]
    _, halves, thumbs = _columns(cached, digests)
    if new or len(cached) != len(set(digests)):  # keep only the pictures there now
        _save_cache(cache_file, *_columns(cached, dict.fromkeys(digests)))
    del cached
    labels = [Path(n).parent.as_posix() for n in names]
    vectors = unit_rows(halves[:, 0].astype(np.float32) + halves[:, 1])
    plain, mirrored = (unit_rows(halves[:, k]).astype(np.float16) for k in (0, 1))
    source = "the pretrained EfficientNet-Lite0 body" if learn is None else "the learner's body"
    return Embeddings(names, labels, digests, vectors, plain, mirrored, thumbs, source)
