"""Out-of-domain statistics: how far a picture's features lie from every class the model knows.

    stats = fit(train_features, train_targets, classes=3)    # per-class means, shared covariance
    scores = stats.scores(valid_features)                     # distance to the nearest class
    stats = stats.with_threshold(scores, flagged=0.05)        # at most 5% of in-domain flagged
    auroc(in_scores, out_scores)                              # 1.0: every outsider scores higher

A classifier's probabilities always sum to one, so a picture of a cat still gets "triangle, 99%".
The network's pooled features say more: pictures of a class cluster together, and a picture far
from every cluster is unlike anything the model was trained on. The covariance is shared by the
classes and shrunk (Ledoit-Wolf), because a few hundred pictures cannot pin down 1280x1280
numbers; it is whitened once here, so that at prediction time the distance is a matrix product
and a norm.
"""

from dataclasses import dataclass, replace

import numpy as np
from sklearn.covariance import ledoit_wolf

FLAGGED = 0.05  # share of in-domain validation pictures allowed above the threshold


@dataclass(frozen=True)
class OODStats:
    """Whitening matrix and whitened class means: ||x @ whiten - means[c]|| is the distance."""

    whiten: np.ndarray  # (features, features) float32
    means: np.ndarray  # (classes, features) float32, already whitened
    threshold: float = float("inf")  # scores above it are out of domain
    flagged: float = 0.0  # share of the validation pictures above the threshold

    def scores(self, features):
        """The distance of each row of `features` to the nearest class mean (float32)."""
        z = np.asarray(features, dtype=np.float32) @ self.whiten
        d2 = ((z[:, None, :] - self.means[None, :, :]) ** 2).sum(-1)
        return np.sqrt(d2.min(1))

    def with_threshold(self, valid_scores, flagged=FLAGGED):
        """These statistics with the threshold that flags at most `flagged` of `valid_scores`."""
        valid_scores = np.asarray(valid_scores, dtype=np.float64)
        kept = np.quantile(valid_scores, 1 - flagged, method="higher")  # the highest one kept
        above = valid_scores[valid_scores > kept]
        # halfway to the next score: the same pictures scored by another runtime (float32
        # rounding) land on the same side
        threshold = float((kept + above.min()) / 2 if len(above) else kept * 1.01)
        share = float((valid_scores > threshold).mean())
        return replace(self, threshold=threshold, flagged=share)


def class_means(features, targets, classes):
    """(classes, d) float64: the mean of each class's rows of `features` (n, d)."""
    x, targets = np.asarray(features, dtype=np.float64), np.asarray(targets)
    missing = sorted(set(range(classes)) - set(targets.tolist()))
    if missing:
        raise ValueError(f"classes {missing} have no training pictures: their means are unknown")
    return np.stack([x[targets == c].mean(0) for c in range(classes)])


def fit(features, targets, classes):
    """OODStats from training features (n, d) and their class indices (n,)."""
    x = np.asarray(features, dtype=np.float64)
    targets = np.asarray(targets)
    means = class_means(x, targets, classes)
    covariance, _ = ledoit_wolf(x - means[targets], assume_centered=True)
    values, vectors = np.linalg.eigh(covariance)
    whiten = vectors / np.sqrt(np.maximum(values, 1e-12))  # cov^-1 = whiten @ whiten.T
    return OODStats(whiten.astype(np.float32), (means @ whiten).astype(np.float32))


def auroc(in_scores, out_scores):
    """The chance that a random outsider scores higher than a random in-domain picture."""
    a, b = np.asarray(in_scores, dtype=np.float64), np.asarray(out_scores, dtype=np.float64)
    wins = (b[:, None] > a[None, :]).sum() + 0.5 * (b[:, None] == a[None, :]).sum()
    return float(wins / (len(a) * len(b)))


def tradeoff(in_scores, out_scores):
    """(thresholds, share of in-domain flagged, share of outsiders caught), one per threshold."""
    a, b = np.asarray(in_scores), np.asarray(out_scores)
    thresholds = np.unique(np.concatenate([a, b, [-np.inf]]))
    flagged = np.array([(a > t).mean() for t in thresholds])
    caught = np.array([(b > t).mean() for t in thresholds])
    return thresholds, flagged, caught
