"""Pictures of under- and overfitting: the fitted curves, and the loss curves that reveal them.

from lesson2.sgd.fitting import poly_data, sweep, train_curves, wd_sweep
from lesson2.sgd import fitting_plots
data = poly_data()
fitting_plots.plot_fits(data, {"underfit": 1, "good fit": 3, "overfit": 12})
fitting_plots.plot_sweep(sweep(data))          # loss against degree, the best one marked
fitting_plots.plot_curves(train_curves(data))  # loss against step, the turn marked
fitting_plots.plot_fits(data, {"weight decay": (12, 0.01)})  # (degree, wd)
fitting_plots.plot_wd(wd_sweep(data))          # loss against weight decay, the best one marked
"""

import matplotlib.pyplot as plt
import numpy as np

from lesson2.sgd.fitting import fit_degree, loss_pair, predict, truth, turning_point

COLOURS = {"train": "tab:blue", "valid": "tab:orange"}


def plot_fits(data, degrees):
    """One panel per polynomial: training points, validation points, the truth and the fit.
    `degrees` maps a title (such as "overfit") to a degree, or to (degree, weight decay)."""
    fig, axes = plt.subplots(
        1,
        len(degrees),
        figsize=(3.2 * len(degrees), 2.9),
        dpi=80,
        sharey=True,
        layout="constrained",
    )
    grid = np.linspace(-1, 1, 400)
    for ax, (title, degree) in zip(np.atleast_1d(axes), degrees.items(), strict=True):
        degree, wd = degree if isinstance(degree, tuple) else (degree, 0.0)
        a = fit_degree(data, degree, wd)
        train, valid = loss_pair(data, a)
        ax.scatter(
            data.x_valid, data.y_valid, s=6, color=COLOURS["valid"], alpha=0.4, label="valid"
        )
        ax.scatter(data.x_train, data.y_train, s=18, color=COLOURS["train"], label="train")
        ax.plot(grid, truth(grid), "--", color="gray", linewidth=1, label="truth")
        ax.plot(grid, predict(a, grid), color="black", label="fit")
        ax.set(ylim=(-2, 2), xlabel="x")
        decay = f", wd={wd:g}" if wd else ""
        ax.set_title(
            f"{title}: degree {degree}{decay}\ntrain {train:.3f}, valid {valid:.3f}", fontsize=10
        )
    np.atleast_1d(axes)[0].legend(fontsize=8, loc="lower right")
    return fig


def _mark_turn(ax, x, valid_loss, what):
    """A vertical line and a label where the validation loss is lowest."""
    best = turning_point(valid_loss)
    ax.axvline(x[best], color="gray", linestyle=":")
    ax.annotate(
        f"validation loss turns up\n({what} {x[best]})",
        (x[best], valid_loss[best]),
        xytext=(10, 25),
        textcoords="offset points",
        fontsize=9,
        arrowprops={"arrowstyle": "->", "color": "gray"},
    )


def plot_sweep(table):
    """Training and validation loss against polynomial degree (from `fitting.sweep`)."""
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=80, layout="constrained")
    ax.plot(table.degree, table.train_loss, "o-", color=COLOURS["train"], label="training loss")
    ax.plot(table.degree, table.valid_loss, "o-", color=COLOURS["valid"], label="validation loss")
    _mark_turn(ax, table.degree.to_numpy(), table.valid_loss.to_numpy(), "degree")
    ax.set(xlabel="degree (model capacity)", ylabel="mse (log scale)", yscale="log")
    ax.legend(fontsize=9, loc="lower left")
    return fig


def plot_curves(curves):
    """Training and validation loss against SGD step (from `fitting.train_curves`), log axes."""
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=80, layout="constrained")
    steps = np.arange(len(curves.train_loss))
    ax.plot(steps[1:], curves.train_loss[1:], color=COLOURS["train"], label="training loss")
    ax.plot(steps[1:], curves.valid_loss[1:], color=COLOURS["valid"], label="validation loss")
    _mark_turn(ax, steps, curves.valid_loss, "step")
    train, valid = curves.train_loss[1:], curves.valid_loss[1:]  # step 0 is off the log axis
    if np.any(train > valid):  # shaded between the curves: a hint of underfitting
        ax.fill_between(
            steps[1:],
            train,
            valid,
            where=train > valid,
            color="tab:red",
            alpha=0.3,
            interpolate=True,
            label="training above validation",
        )
    ax.set(xlabel="step (log scale)", ylabel="mse (log scale)", xscale="log", yscale="log")
    ax.set_title(f"degree {curves.degree}, lr={curves.lr:g}", fontsize=10)
    ax.legend(fontsize=9)
    return fig


def plot_wd(table):
    """Training and validation loss against weight decay (from `fitting.wd_sweep`), log axes."""
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=80, layout="constrained")
    ax.plot(table.wd, table.train_loss, "o-", color=COLOURS["train"], label="training loss")
    ax.plot(table.wd, table.valid_loss, "o-", color=COLOURS["valid"], label="validation loss")
    _mark_turn(ax, table.wd.to_numpy(), table.valid_loss.to_numpy(), "wd")
    ax.set(
        xlabel="weight decay wd (log scale)", ylabel="mse (log scale)", xscale="log", yscale="log"
    )
    ax.legend(fontsize=9, loc="upper right")
    return fig
