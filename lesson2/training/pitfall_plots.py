"""Plots of the training pitfalls: loss and error rate, one row per pitfall.

from lesson2.training.pitfall_plots import plot_pitfalls
fig = plot_pitfalls(histories)       # {name: History} from lesson2.training.pitfalls.run_pitfalls
"""

import matplotlib.pyplot as plt

from lesson2.training.pitfalls import PITFALLS

COLOURS = {"train": "tab:blue", "valid": "tab:orange"}
FLOOR = 1e-3  # losses below this are drawn at it: float32 rounds a confident loss to 0


def plot_losses(ax, history):
    """Train and validation loss against epochs on `ax`, log scale (explosions stay readable)."""
    for part in ("train", "valid"):
        losses = [max(loss, FLOOR) for loss in getattr(history, f"{part}_loss")]
        ax.plot(history.epoch, losses, color=COLOURS[part], label=part)
    ax.set_yscale("log")
    ax.set_ylim(FLOOR / 1.5, max(ax.get_ylim()[1], 2))  # one span at least: flat looks flat
    ax.set_ylabel("loss")
    return ax


def plot_errors(ax, history):
    """Train and validation error rate (%) against epochs on `ax`."""
    for part in ("train", "valid"):
        errors = [100 * e for e in getattr(history, f"{part}_error")]
        ax.plot(history.epoch, errors, color=COLOURS[part], label=part)
    ax.set_ylim(-3, 100)
    ax.set_ylabel("error rate (%)")
    return ax


def plot_pitfalls(histories, pitfalls=None):
    """Loss (left) and error rate (right) of each pitfall in `histories`, one row each."""
    pitfalls = pitfalls or PITFALLS
    rows = len(histories)
    fig, axes = plt.subplots(rows, 2, figsize=(10, 2.3 * rows), squeeze=False)
    for (loss_ax, error_ax), (name, history) in zip(axes, histories.items(), strict=True):
        p = pitfalls.get(name)
        loss_ax.set_title(name, fontsize=10, loc="left", fontweight="bold")
        if p:
            setting = f"lr={p.lr:g}, {p.epochs} epochs"
            setting += f", {p.n_train} training pictures" if p.n_train else ""
            loss_ax.set_title(setting, fontsize=9, loc="right")
            error_ax.set_title(p.note, fontsize=9, loc="left")
        plot_losses(loss_ax, history)
        plot_errors(error_ax, history)
    axes[0][0].legend(fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    fig.tight_layout()
    return fig
