"""A baseline any fine-tuned model should beat: a linear model on the pretrained body's features.

    from lesson2.training.baseline import linear_baseline
    error = linear_baseline(path, train_files, valid_files)   # validation error rate, 0..1

The features are the cleaner's (`lesson2.clean.features.embeddings`: EfficientNet-Lite0's pooled
activations, cached on disk by file content), so after the first call this takes seconds. If
fine-tuning the whole network does no better than a logistic regression on what the frozen body
already sees, the fine-tuning did not work: more epochs or minutes, a larger size or another
architecture may help.
"""

from pathlib import Path

import numpy as np

C = 1.0  # inverse regularisation of the logistic regression, as the cleaner's suspects use


def linear_baseline(path, train_files, valid_files, progress=False):
    """The validation error rate of a logistic regression trained on the pretrained features of
    `train_files` (class: the parent folder) and scored on `valid_files`."""
    from sklearn.linear_model import LogisticRegression

    from lesson2.clean.features import embeddings

    path = Path(path)
    emb = embeddings(path, progress=progress)
    row = {name: i for i, name in enumerate(emb.names)}

    def rows(files):
        names = [Path(f).relative_to(path).as_posix() for f in files]
        x = emb.plain[[row[n] for n in names]].astype(np.float32)  # as they are: not mirrored
        return x, np.array([Path(n).parent.name for n in names])

    (x, y), (xv, yv) = rows(train_files), rows(valid_files)
    model = LogisticRegression(C=C, max_iter=2000).fit(x, y)
    return float((model.predict(xv) != yv).mean())
