"""Plots for training: the pitfalls' loss curves side by side.

from lesson2.train_plots import plot_pitfalls
fig = plot_pitfalls(histories)       # one panel per pitfall, train and valid loss per epoch
"""

import matplotlib.pyplot as plt

from lesson2.pitfalls import PITFALLS


def plot_losses(ax, history, title="", note=""):
    """Train and validation loss per epoch on `ax` (log scale: exploding losses stay readable)."""
    epochs = range(1, len(history.train) + 1)
    ax.plot(epochs, history.train, "o-" if len(history.train) < 3 else "-", label="train loss")
    ax.plot(epochs, history.valid, "o-" if len(history.valid) < 3 else "-", label="valid loss")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_title(f"{title}\n{note}" if note else title, fontsize=9)
    return ax


def plot_pitfalls(histories, pitfalls=None):
    """One panel per pitfall in `histories` ({name: History}); returns the figure."""
    pitfalls = pitfalls or PITFALLS
    fig, axes = plt.subplots(1, len(histories), figsize=(3.2 * len(histories), 3), squeeze=False)
    for ax, (name, history) in zip(axes[0], histories.items(), strict=True):
        p = pitfalls.get(name)
        plot_losses(ax, history, f"{name} (lr={p.lr:g})" if p else name, p.note if p else "")
    axes[0][0].set_ylabel("loss")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
