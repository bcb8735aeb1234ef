"""Finds copies of a picture: the same bytes, or the same picture cropped, mirrored, recoloured.

    from lesson2.clean.similar import find_duplicates
    groups = find_duplicates(path)                # path/<class>/*.jpg
    for g in groups[:3]:
        print(g.similarity, g.exact, g.names)     # exact copies first, then most similar

Three steps keep 10,000 pictures fast and small:
1. Exact copies share the SHA-256 of their bytes.
2. Candidates: each picture's nearest neighbours by cosine similarity of its pooled deep
   features (`lesson2.clean.features`, cached on disk), and again of its thumbnail's centre
   (a heavy JPEG or a half-size copy can look new to the network, not to the thumbnail), found
   with blocked matrix products: `BLOCK` rows against all at a time, never an N x N matrix.
3. The check: a copy shows the same pixels. The centre of one small colour thumbnail is
   compared by correlation (each channel standardised, so brightness and colour shifts matter
   little) with views of the other, either one mirrored or not: that centre turned by up to
   12 degrees, or cropped to 70-100% of its area at a grid of positions, either way round.
   A copy correlates highly for some view (`MIN_MATCH`), and far more highly than the pair's
   pictures do with their other candidates (`MARGIN`): two plain discs correlate at 0.98, so
   a copy of a disc must come closer than that, while a texture's look-alikes are far below.
   A copy also keeps the hue of its average colour (`MAX_HUE`), which standardising ignores.
Pairs that pass are joined into groups (connected components); a group's `similarity` is its
weakest link's aligned correlation. The thresholds were tuned on a set of generated textures
(benchmarks/tune_copies.py) and checked on the demo shapes; bench_clean.py measures the
result on textures of other kinds.
"""

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lesson2.clean.features import embeddings

NEIGHBOURS = 5  # candidates per picture, by deep features and again by thumbnail
MIN_MATCH = 0.9  # aligned colour correlation a copy reaches at least
MARGIN = 0.15  # and its 1 - correlation is at most this part of its pictures' usual one
MAX_HUE = 30  # degrees between the hues of a copy's and its original's average colours
MIN_CHROMA = 10  # distance from grey (of 255) below which a picture has no hue to compare
LUMA = np.array([0.299, 0.587, 0.114])  # grey of a colour, as PIL's convert("L")
SIDE = 16  # the thumbnails are compared at this size
INNER = 0.8  # side of the centre part compared: a turn of up to 14 degrees keeps it inside
ANGLES = (0, -3, 3, -6, 6, -9, 9, -12, 12)  # turns tried, in degrees
CROPS = ((0.92, 3), (0.84, 5))  # side of the crops tried (0.84^2 = 70% of the area), places a side
BLOCK = 1024  # rows of the similarity matrix computed at once


@dataclass(frozen=True)
class DuplicateGroup:
    """Pictures that are copies: `names` relative to the dataset, `similarity` the weakest link."""

    names: tuple
    similarity: float
    exact: bool  # every file in the group has the same bytes


def candidates(vectors, k=NEIGHBOURS, min_cosine=-1.0, block=BLOCK):
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


def alignments():
    """The affine maps (v, 2, 3) that turn one thumbnail into the views compared with another.

    Each picks a square of the thumbnail (in grid_sample's -1..1 coordinates), either way round:
    its centre INNER part turned by each of ANGLES, and crops of CROPS of that part at a grid
    of positions. View 0 is the centre itself: the one view kept of every picture.
    """
    maps = []
    for mirror in (1, -1):
        for degrees in ANGLES:
            maps.append((mirror, math.radians(degrees), INNER, 0.0, 0.0))
        for frac, places in CROPS:
            for y, x in itertools.product(np.linspace(frac - 1, 1 - frac, places), repeat=2):
                maps.append((mirror, 0.0, INNER * frac, x, y))
    return torch.tensor(
        [
            [[m * s * math.cos(a), -s * math.sin(a), x], [m * s * math.sin(a), s * math.cos(a), y]]
            for m, a, s, x, y in maps
        ],
        dtype=torch.float32,
    )


def views(thumbs, maps=None):
    """Each thumbnail seen through each map: (n, v, 3*SIDE*SIDE) unit vectors.

    Every channel is standardised to zero mean (so a brighter or paler copy looks the same)
    and each view scaled to unit length: the dot product of two views is their correlation.
    """
    maps = alignments() if maps is None else maps
    g = torch.from_numpy(np.asarray(thumbs)).float().permute(0, 3, 1, 2)
    grid = F.affine_grid(maps, (len(maps), 3, SIDE, SIDE), align_corners=False)
    grid = grid.reshape(1, -1, SIDE, 2).expand(len(g), -1, -1, -1)  # views stacked down
    out = F.grid_sample(g, grid, padding_mode="border", align_corners=False)
    out = out.reshape(len(g), 3, len(maps), SIDE * SIDE).transpose(1, 2)
    out = out - out.mean(3, keepdim=True)
    return F.normalize(out.flatten(2), dim=2)


def centres(thumbs, chunk=4096):
    """The centre view of each thumbnail, (n, 3*SIDE*SIDE): what another picture's views meet."""
    centre = alignments()[:1]
    out = [views(thumbs[k : k + chunk], centre)[:, 0] for k in range(0, len(thumbs), chunk)]
    return torch.cat(out) if out else torch.empty(0, 3 * SIDE * SIDE)


def _rows(src, width):
    """Edges sorted by `src` laid out in rows of at most `width`: (row, column) of each edge."""
    start = np.r_[True, src[1:] != src[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(src)), 0))
    column = (np.arange(len(src)) - first) % width
    return np.cumsum(column == 0) - 1, column


def directed_match(thumbs, src, dst, width=16, chunk=128):
    """For each edge, the best correlation of any view of thumbs[src] with thumbs[dst]'s centre.

    Edges are grouped by source, so each picture's views are made once (once per `width` edges)
    and compared with its partners in one batched product; memory stays at `chunk` pictures' views.
    """
    if len(src) == 0:
        return np.empty(0, np.float32)
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    row, column = _rows(src, width)
    q = centres(thumbs)
    row_src = src[column == 0]
    out = np.empty(len(src), np.float32)
    for start in range(0, len(row_src), chunk):
        lo, hi = np.searchsorted(row, [start, start + chunk])
        r, c = row[lo:hi] - start, column[lo:hi]
        partners = np.zeros((min(chunk, len(row_src) - start), width), np.int64)
        partners[r, c] = dst[lo:hi]
        v = views(thumbs[row_src[start : start + chunk]])  # (rows, views, d)
        best = torch.bmm(v, q[partners].transpose(1, 2)).amax(1)  # (rows, width)
        out[order[lo:hi]] = best[r, c].numpy()
    return out


def pair_match(thumbs, pairs):
    """The best aligned correlation of each pair (a, b), either way round: either may be a crop."""
    a, b = pairs[:, 0], pairs[:, 1]
    both = directed_match(thumbs, np.r_[a, b], np.r_[b, a])
    return np.maximum(both[: len(pairs)], both[len(pairs) :])


def match(thumbs_a, thumbs_b):
    """The best aligned correlation of each pair (a[k], b[k])."""
    n = len(thumbs_a)
    pairs = np.stack([np.arange(n), np.arange(n, 2 * n)], 1)
    return pair_match(np.concatenate([thumbs_a, thumbs_b]), pairs)


def typical(n, pairs, scores):
    """Each picture's lower median correlation with its candidates: how alike its look-alikes are.

    0 for a picture with fewer than two candidates, whose only one may be its copy.
    """
    node, score = pairs.ravel(), np.repeat(scores, 2)
    order = np.lexsort((score, node))
    count = np.bincount(node, minlength=n)
    middle = np.cumsum(count) - count + (count - 1) // 2  # in each picture's sorted scores
    median, some = np.zeros(n, np.float32), count >= 2
    median[some] = score[order][middle[some]]
    return median


def distinct(n, pairs, scores, margin=MARGIN):
    """Whether each pair is far closer than its pictures' usual look-alikes are to them.

    1 - correlation of a copy is at most `margin` times 1 - the typical correlation of either
    picture with its candidates: a recoloured copy of a plain disc (whose look-alikes, other
    discs, correlate at 0.98) has to be nearer than one of a texture (whose look-alikes do not).
    """
    usual = typical(n, pairs, scores)
    usual = np.maximum(usual[pairs[:, 0]], usual[pairs[:, 1]])
    return 1 - scores <= margin * (1 - usual)


def same_hue(thumbs, pairs, max_degrees=MAX_HUE, min_chroma=MIN_CHROMA):
    """Whether the average colours of each pair point the same way from grey, within `max_degrees`.

    Brightness and saturation change how far a colour is from grey (its chroma), not which way:
    a recoloured copy keeps its hue, while two different pictures that correlate once each
    channel is standardised (two stripe patterns alike but for their colours) seldom do. A
    picture nearly grey (chroma below `min_chroma` of 255) has no hue to compare and passes.
    """
    mean = thumbs.reshape(len(thumbs), -1, 3).mean(1)
    chroma = mean - (mean @ LUMA)[:, None]
    a, b = chroma[pairs[:, 0]], chroma[pairs[:, 1]]
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    cos = (a * b).sum(1) / np.maximum(na * nb, 1e-9)
    return (np.minimum(na, nb) < min_chroma) | (cos >= math.cos(math.radians(max_degrees)))


def group_duplicates(emb, min_match=MIN_MATCH, margin=MARGIN, k=NEIGHBOURS):
    """Groups of copies from `Embeddings`: exact ones first, then the most similar."""
    n = len(emb.names)
    deep, _ = candidates(emb.vectors, k)
    look, _ = candidates(centres(emb.thumbs).numpy(), k)
    pairs = np.unique(np.concatenate([deep, look]), axis=0)
    digests = np.asarray(emb.digests)
    pairs = pairs[digests[pairs[:, 0]] != digests[pairs[:, 1]]]  # same bytes: found by hash
    scores = pair_match(emb.thumbs, pairs)
    keep = (scores >= min_match) & distinct(n, pairs, scores, margin)
    keep &= same_hue(emb.thumbs, pairs)
    exact = _exact_pairs(emb.digests)
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


def find_duplicates(path, learn=None, min_match=MIN_MATCH, margin=MARGIN, progress=False):
    """Exact copies and transformed copies among the pictures of the dataset at `path`."""
    return group_duplicates(embeddings(path, learn, progress=progress), min_match, margin)
