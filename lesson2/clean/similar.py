"""Finds copies of a picture: the same bytes, or the same picture cropped, mirrored, recoloured.

    from lesson2.clean.similar import find_duplicates
    groups = find_duplicates(path)                # path/<class>/*.jpg
    for g in groups[:3]:
        print(g.similarity, g.exact, g.names)     # exact copies first, then most similar

Three steps keep 10,000 pictures fast and small:
1. Exact copies share the SHA-256 of their bytes.
2. Candidates: each picture's nearest neighbours by cosine similarity of its pooled deep
   features (`lesson2.clean.features`, cached on disk), found with blocked matrix products:
   `BLOCK` rows against all at a time, never an N x N matrix. Deep features know *what* a
   picture shows, so two different pictures of one class can be as close as a copy.
3. The check: a copy shows the same pixels. Each candidate pair's small colour thumbnails are
   compared by correlation after aligning them: either one mirrored or not, and either one
   cropped to 70-100% of its area at a few positions. A copy correlates highly for some
   alignment; another picture of the same class does not.
Pairs that pass are joined into groups (connected components); a group's `similarity` is its
weakest link's aligned correlation. Thresholds were tuned on the demo shapes with planted
copies, whose pictures look more alike than most photos.
"""

from dataclasses import dataclass

import numpy as np
import torch
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lesson2.clean.features import embeddings

NEIGHBOURS = 5  # candidates per picture
MIN_COSINE = 0.8  # deep similarity below which a pair is never a copy
MIN_MATCH = 0.95  # aligned colour correlation above which a candidate is a copy
SIDE = 16  # the thumbnails are compared at this size
CROPS = (1.0, 0.92, 0.84)  # side of the crops tried, as a fraction (0.84^2 = 70% of the area)
BLOCK = 1024  # rows of the similarity matrix computed at once


@dataclass(frozen=True)
class DuplicateGroup:
    """Pictures that are copies: `names` relative to the dataset, `similarity` the weakest link."""

    names: tuple
    similarity: float
    exact: bool  # every file in the group has the same bytes


def candidates(vectors, k=NEIGHBOURS, min_cosine=MIN_COSINE, block=BLOCK):
    """Pairs (i < j) among each row's `k` nearest rows by cosine, as (m, 2) ints and (m,) sims."""
    x = torch.from_numpy(np.ascontiguousarray(vectors, np.float32))
    n, k = len(x), min(k, len(x) - 1)
    pairs, sims = [np.empty((0, 2), np.int64)], [np.empty(0, np.float32)]
    for start in range(0, n if k > 0 else 0, block):
        s = x[start : start + block] @ x.T  # (block, n): the only similarity matrix there is
        rows = torch.arange(start, start + len(s))
        s[torch.arange(len(s)), rows] = -2  # never a picture with itself
        top, idx = s.topk(k, dim=1)
        keep = top >= min_cosine
        i, j = rows[:, None].expand_as(idx)[keep], idx[keep]
        pairs.append(torch.stack([torch.minimum(i, j), torch.maximum(i, j)], 1).numpy())
        sims.append(top[keep].numpy())
    pairs, sims = np.concatenate(pairs), np.concatenate(sims)
    pairs, first = np.unique(pairs, axis=0, return_index=True)
    return pairs, sims[first]


def _boxes(side):
    """Crop boxes (top, left, size) in a side x side picture: full, and each crop at 9 places."""
    boxes = []
    for frac in CROPS:
        size = round(side * frac)
        places = sorted({0, (side - size) // 2, side - size})
        boxes += [(top, left, size) for top in places for left in places]
    return boxes


def _standardise(x):
    """Each channel to zero mean, then the whole view to unit length."""
    x = (x - x.mean((2, 3), keepdim=True)).flatten(1)
    return x / x.norm(dim=1, keepdim=True).clamp_min(1e-6)


def views(thumbs):
    """Every alignment of each thumbnail: (n, views, 3*SIDE*SIDE) unit vectors; view 0 = full."""
    g = torch.from_numpy(np.asarray(thumbs)).float().permute(0, 3, 1, 2)
    out = []
    for flipped in (g, g.flip(3)):
        for top, left, size in _boxes(g.shape[-1]):
            crop = flipped[..., top : top + size, left : left + size]
            small = torch.nn.functional.interpolate(crop, (SIDE, SIDE), mode="area")
            out.append(_standardise(small))
    return torch.stack(out, 1)


def match(thumbs_a, thumbs_b):
    """The best aligned correlation of each pair (a[k], b[k]): either may be the crop."""
    va, vb = views(thumbs_a), views(thumbs_b)
    a_in_b = torch.einsum("nd,nvd->nv", va[:, 0], vb).amax(1)  # a whole, b cropped or flipped
    b_in_a = torch.einsum("nd,nvd->nv", vb[:, 0], va).amax(1)
    return torch.maximum(a_in_b, b_in_a).numpy()


def _checked(thumbs, pairs, chunk=512):
    scores = [
        match(thumbs[c[:, 0]], thumbs[c[:, 1]])
        for c in np.array_split(pairs, 1 + len(pairs) // chunk)
    ]
    return np.concatenate(scores) if scores else np.empty(0, np.float32)


def group_duplicates(emb, min_match=MIN_MATCH, k=NEIGHBOURS, min_cosine=MIN_COSINE):
    """Groups of copies from `Embeddings`: exact ones first, then the most similar."""
    n = len(emb.names)
    pairs, _ = candidates(emb.vectors, k, min_cosine)
    scores = _checked(emb.thumbs, pairs)
    same = np.array([emb.digests[a] == emb.digests[b] for a, b in pairs.tolist()], bool)
    exact = _exact_pairs(emb.digests)
    keep = (scores >= min_match) & ~same
    edges = np.concatenate([exact, pairs[keep]])
    weights = np.concatenate([np.ones(len(exact)), scores[keep]])
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    groups = []
    for c in np.unique(component[edges[:, 0]]) if len(edges) else []:
        members = np.flatnonzero(component == c)
        links = weights[component[edges[:, 0]] == c]
        groups.append(
            DuplicateGroup(
                names=tuple(emb.names[m] for m in members),
                similarity=round(float(links.min()), 4),
                exact=len({emb.digests[m] for m in members}) == 1,
            )
        )
    return sorted(groups, key=lambda g: (not g.exact, -g.similarity, g.names))


def _exact_pairs(digests):
    """Each picture joined to the first picture with the same bytes, as (m, 2) ints."""
    first, pairs = {}, []
    for k, d in enumerate(digests):
        if d in first:
            pairs.append((first[d], k))
        else:
            first[d] = k
    return np.array(pairs, np.int64).reshape(-1, 2)


def find_duplicates(path, learn=None, min_match=MIN_MATCH, progress=False):
    """Exact copies and transformed copies among the pictures of the dataset at `path`."""
    return group_duplicates(embeddings(path, learn, progress=progress), min_match)
