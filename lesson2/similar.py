"""Finds exact and near-duplicate images without comparing every pair.

    from lesson2.similar import find_duplicates
    groups = find_duplicates(path)                # path/<class>/*.jpg
    for g in groups[:3]:
        print(g.similarity, g.exact, g.names)     # most similar groups first

Two steps keep 10,000 images fast and small. First every image gets a 64-bit perceptual hash
(pHash: the signs of the lowest 8x8 frequencies of its 32x32 grey version, compared with their
median); resizing, re-encoding and brightness changes flip few of those bits. The 64 bits are cut
into `max_bits + 1` bands, and two hashes that differ in at most `max_bits` bits agree exactly on
at least one band (pigeonhole), so only images sharing a band value become candidates: no NxN
matrix. Then each candidate pair is checked by the correlation of 16x16 colour thumbnails, which
tells a re-saved copy (above 0.99) from a different picture with the same layout.
"""

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError
from tqdm.auto import tqdm

from lesson2.folders import image_files

MAX_BITS = 10  # hashes differing in more bits than this are never compared
MIN_SIMILARITY = 0.99  # thumbnail correlation above which two images count as duplicates
HASH_SIDE, THUMB_SIDE = 32, 16  # grey sizes for the hash and for the check
BLOCK = 256  # images of a bucket compared with the rest at once


@dataclass(frozen=True)
class DuplicateGroup:
    """Images that look alike: `names` relative to the dataset, `similarity` the weakest link."""

    names: tuple
    similarity: float
    exact: bool  # every file in the group has the same bytes


@dataclass
class Fingerprints:
    """What the search needs per image: its name, pHash, normalised thumbnail and SHA-256."""

    names: list
    hashes: np.ndarray  # uint64, one per image
    thumbs: np.ndarray  # float32 (n, 3 * THUMB_SIDE**2): RGB, zero mean and unit length
    digests: list


def _dct_matrix(n, k=8):
    """The first `k` rows of the orthonormal DCT-II basis for `n` samples."""
    x = np.arange(n)
    rows = np.cos(np.pi * (2 * x[None, :] + 1) * np.arange(k)[:, None] / (2 * n))
    rows[0] /= np.sqrt(2)
    return rows * np.sqrt(2 / n)


def phash(greys):
    """64-bit perceptual hashes (uint64) of a stack of (n, 32, 32) grey images."""
    d = _dct_matrix(HASH_SIDE)
    greys = np.asarray(greys).reshape(-1, HASH_SIDE, HASH_SIDE)
    low = np.concatenate(
        [(d @ g.astype(np.float64) @ d.T).reshape(-1, 64) for g in _chunks(greys, 1024)]
    )
    median = np.median(low[:, 1:], axis=1, keepdims=True)  # the DC term says only "brightness"
    bits = low > median
    bits[:, 0] = False
    return np.packbits(bits, axis=1).view(">u8").ravel().astype(np.uint64)


def _features(img):
    """The 32x32 grey image for the hash and the normalised RGB thumbnail for the check."""
    img.draft("RGB", (HASH_SIDE * 2, HASH_SIDE * 2))  # JPEGs decode straight to a small size
    rgb = img.convert("RGB")
    grey = np.asarray(rgb.convert("L").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BILINEAR))
    small = np.asarray(rgb.resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BOX), np.float32)
    small = small.ravel() - small.mean()  # one mean for all channels: colour still counts
    return grey, small / max(float(np.linalg.norm(small)), 1e-6)


def _file_features(fname):
    """The SHA-256 and the features of an image file; a ValueError names a broken file."""
    data = Path(fname).read_bytes()
    try:
        with Image.open(io.BytesIO(data)) as img:
            return hashlib.sha256(data).hexdigest(), _features(img)
    except (UnidentifiedImageError, OSError) as e:
        raise ValueError(
            f"cannot read {fname} as an image ({e}): delete it or verify the dataset again"
        ) from e


def fingerprint_files(path, progress=True):
    """Fingerprints of every image in the dataset at `path` (names relative to it)."""
    path = Path(path)
    files = image_files(path)
    greys = np.empty((len(files), HASH_SIDE, HASH_SIDE), np.uint8)
    thumbs = np.empty((len(files), 3 * THUMB_SIDE**2), np.float32)
    digests = []
    for k, f in enumerate(tqdm(files, desc="fingerprinting", unit="img", disable=not progress)):
        digest, (greys[k], thumbs[k]) = _file_features(f)
        digests.append(digest)
    names = [f.relative_to(path).as_posix() for f in files]
    return Fingerprints(names, phash(greys), thumbs, digests)


def hamming(a, b):
    """How many bits differ between hashes (uint64 scalars or arrays)."""
    return np.bitwise_count(np.bitwise_xor(np.uint64(a), np.uint64(b)))


def near_pairs(hashes, max_bits=MAX_BITS):
    """Every (i, j), i < j, whose hashes differ in at most `max_bits` bits: an (m, 2) array."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    found = [np.empty((0, 2), dtype=np.int64)]
    for bits in np.array_split(np.arange(64), max_bits + 1):
        mask = np.uint64((1 << len(bits)) - 1)
        keys = (hashes >> np.uint64(bits[0])) & mask
        found.extend(_close_in_buckets(hashes, keys, max_bits))
    return np.unique(np.concatenate(found), axis=0)  # a pair may share several bands


def _close_in_buckets(hashes, keys, max_bits):
    """Close pairs among images with equal band value (`keys`), as (m, 2) arrays."""
    order = np.argsort(keys, kind="stable")
    for members in np.split(order, np.flatnonzero(np.diff(keys[order])) + 1):
        for start in range(0, len(members) - 1, BLOCK):  # BLOCK rows at a time: bounded memory
            rows = members[start : start + BLOCK]
            close = hamming(hashes[rows][:, None], hashes[members][None, :]) <= max_bits
            i, j = np.nonzero(close)
            later = j > start + i  # each pair once, never an image with itself
            a, b = rows[i[later]], members[j[later]]
            if len(a):
                yield np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)


def _roots(n, edges):
    """Connected components (union-find): the smallest member index of each node's component."""
    parent = list(range(n))

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [root(x) for x in range(n)]


def _chunks(rows, size=4096):
    """An array in slices of `size` rows: at least one slice, maybe empty."""
    return [rows[k : k + size] for k in range(0, max(len(rows), 1), size)]


def group_duplicates(fp, max_bits=MAX_BITS, min_similarity=MIN_SIMILARITY):
    """Groups of duplicate images from their fingerprints: exact ones first, then most similar."""
    pairs = near_pairs(fp.hashes, max_bits)
    sims = np.concatenate(
        [np.einsum("ij,ij->i", fp.thumbs[c[:, 0]], fp.thumbs[c[:, 1]]) for c in _chunks(pairs)]
    )
    same = np.array([fp.digests[a] == fp.digests[b] for a, b in pairs.tolist()], dtype=bool)
    keep = (sims >= min_similarity) | same
    edges, sims = pairs[keep].tolist(), np.where(same, 1.0, sims)[keep].tolist()
    roots = _roots(len(fp.names), edges)
    weakest, members = {}, {}
    for (a, _), s in zip(edges, sims, strict=True):
        weakest[roots[a]] = min(weakest.get(roots[a], 1.0), s)
    for k, r in enumerate(roots):
        if r in weakest:
            members.setdefault(r, []).append(k)
    groups = [
        DuplicateGroup(
            names=tuple(fp.names[k] for k in ks),
            similarity=round(weakest[r], 4),
            exact=len({fp.digests[k] for k in ks}) == 1,
        )
        for r, ks in members.items()
    ]
    return sorted(groups, key=lambda g: (not g.exact, -g.similarity, g.names))


def find_duplicates(path, max_bits=MAX_BITS, min_similarity=MIN_SIMILARITY, progress=True):
    """Exact and near-duplicate groups among the images of the dataset at `path`."""
    return group_duplicates(fingerprint_files(path, progress), max_bits, min_similarity)
