"""Pictures of a dataset: a grid of samples per class, and what became of the URLs.

from lesson2.dataset.gallery import plot_statuses, sample_files, show_samples
show_samples(path, n=6)              # one row per class folder
sample_files(path, n=6)              # the files that grid shows, per class folder
plot_statuses(summarize(path))       # stacked bars: ok, duplicate, http error, ...
"""

import random
from pathlib import Path

import matplotlib.pyplot as plt

from lesson2.dataset.folders import check_dataset, class_files, class_folders
from lesson2_app.pictures import ImageError, read_rgb

STATUS_COLOURS = {
    "ok": "#2e7d32",
    "duplicate": "#9e9e9e",
    "http error": "#c62828",
    "network error": "#ad1457",
    "timeout": "#ef6c00",
    "not an image": "#6a1b9a",
    "too large": "#283593",
    "refused": "#4e342e",
}


def _draw(ax, file):
    """The picture in `ax`, decoded as training and the app decode it, or why it cannot be."""
    try:
        ax.imshow(read_rgb(file))
    except ImageError as e:
        ax.text(
            0.5,
            0.5,
            f"cannot show:\n{e}"[:80],
            ha="center",
            va="center",
            wrap=True,
            fontsize=7,
            transform=ax.transAxes,
        )


def sample_files(path, n=6, seed=0):
    """{class folder: up to `n` of its image files}, drawn at random but fixed by `seed`."""
    check_dataset(path, min_classes=1)  # a DatasetError says what the folder lacks
    folders = class_folders(path)
    rng = random.Random(seed)
    samples = {}
    for folder in folders:
        files = class_files(folder)
        samples[folder] = rng.sample(files, min(n, len(files)))
    return samples


def show_samples(path, n=6, seed=0, size=1.5):
    """A grid with a row of `n` random images (fixed by `seed`) for each class folder: the
    files of `sample_files(path, n, seed)`."""
    samples = sample_files(path, n, seed)
    fig, axes = plt.subplots(
        len(samples), n, figsize=(n * size, len(samples) * size), squeeze=False
    )
    for row, (folder, files) in zip(axes, samples.items(), strict=True):
        for ax, file in zip(row, files, strict=False):
            _draw(ax, file)
        for ax in row:
            ax.axis("off")
        row[0].set_title(folder.name, loc="left", fontsize=10)
    fig.tight_layout()
    return fig


def plot_statuses(table):
    """Stacked horizontal bars of URL counts per class and status (a `summarize` table)."""
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.4 * len(table)))
    left = None
    for status in table.columns:
        counts = table[status]
        ax.barh(
            table.index,
            counts,
            left=left,
            label=status,
            color=STATUS_COLOURS.get(status, "#607d8b"),
        )
        left = counts if left is None else left + counts
    ax.invert_yaxis()
    ax.set_xlabel("URLs")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def show_files(files, titles=None, ncols=6, size=1.5, title_lines=1):
    """A grid of the given image files, titled by their class folder unless `titles` is given."""
    files = list(files)
    if not files:
        raise ValueError("no files to show")
    titles = titles or [Path(f).parent.name for f in files]
    nrows = -(-len(files) // ncols)
    height = nrows * (size + 0.2 * title_lines)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, height), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, file, title in zip(axes.flat, files, titles, strict=False):
        _draw(ax, file)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
