"""Pictures of SGD at work: the line moving onto the points, the path across the loss surface.

    from lesson2.sgd.line import line_data, fit
    from lesson2.sgd import line_plots as sgd_plots
    x, y = line_data()
    history = fit(x, y, lr=0.1, steps=100)
    sgd_plots.animate_fit(x, y, history)        # the lesson's animation, with the loss beside it:
                                                # a notebook plays it (no ffmpeg, no network)
    sgd_plots.animate_path(x, y, history)       # the same run as a walk down the loss contours
    sgd_plots.plot_fit_steps(x, y, history)     # a few frames as stills, for pages without JS
    sgd_plots.plot_runs(x, y, {"too low": fit(x, y, lr=0.01), "good": history})
    sgd_plots.explore(x, y)                     # sliders for lr and bs that redraw the run
    sgd_plots.save_gif(x, y, history, "docs/sgd.gif")

The figures are small and the animations use few frames on purpose: a notebook saved with its
outputs stays light enough to read on GitHub.
"""

import io
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from PIL import Image

from lesson2.atomic import atomic_open
from lesson2.sgd.animation import NotebookAnimation
from lesson2.sgd.line import fit, least_squares, losses

WINDOW = ((-2.0, 5.0), (-0.5, 4.0))  # (slope, intercept) ranges of the loss-surface pictures
DPI = 60  # low enough to keep an embedded animation well under 1 MB


def frame_steps(history, frames):
    """Which steps of `history` to draw: `frames` of them, first and last too, spaced
    geometrically, because a run changes most in its first steps."""
    last = len(history.a) - 1
    frames = min(frames, last + 1)
    steps = []
    for step in (np.geomspace(1, last + 1, frames) - 1).round().astype(int):
        steps.append(max(step, steps[-1] + 1) if steps else step)  # never the same step twice
    steps[-1] = last
    return np.array(steps)


def plot_surface(ax, x, y, window=WINDOW):
    """Filled contours of the mse over (slope, intercept), darker where the loss is higher, on
    log-spaced levels; the best a is a star. (Flat fills also keep animation frames small.)"""
    (s0, s1), (i0, i1) = window
    slope, intercept = np.meshgrid(np.linspace(s0, s1, 120), np.linspace(i0, i1, 100))
    params = np.stack([slope.ravel(), intercept.ravel()], axis=1)
    loss = losses(x, y, params).reshape(slope.shape)
    levels = np.geomspace(loss.min() * 1.05, loss.max(), 14)
    ax.contourf(slope, intercept, loss, levels=levels, cmap="Blues")
    best = least_squares(x, y)
    ax.plot(*best, marker="*", color="black", markersize=10, linestyle="none")
    ax.set(xlim=(s0, s1), ylim=(i0, i1), xlabel="slope a[0]", ylabel="intercept a[1]")


def plot_path(ax, history, color="tab:red", label=None):
    """The parameters' walk, one dot per step, from the hollow start to the end."""
    a = history.a
    ax.plot(a[:, 0], a[:, 1], ".-", color=color, markersize=3, linewidth=1, label=label)
    ax.plot(*a[0], "o", color=color, fillstyle="none")


def _fit_figure(x, y, history):
    """The lesson's picture (points and fitted line) beside the loss so far; returns the figure
    and draw(step), which moves both to a given step."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7, 2.8), dpi=DPI, layout="constrained")
    x0 = np.asarray(x)[:, 0]
    order = np.argsort(x0)
    left.scatter(x0, np.asarray(y), s=8, color="tab:orange")
    (line,) = left.plot(x0[order], np.asarray(x)[order] @ history.a[0], color="tab:blue")
    left.set(xlabel="x[:, 0]", ylabel="y")
    steps = np.arange(len(history.loss))
    right.plot(steps, history.loss, color="lightgray")
    (done,) = right.plot([], [], color="tab:blue")
    (now,) = right.plot([], [], "o", color="tab:red")
    right.set(xlabel="step", ylabel="mse (log scale)", yscale="log")

    def draw(step):
        line.set_ydata(np.asarray(x)[order] @ history.a[step])
        done.set_data(steps[: step + 1], history.loss[: step + 1])
        now.set_data([step], [history.loss[step]])
        slope, intercept = history.a[step]
        left.set_title(f"step {step}: a = ({slope:.2f}, {intercept:.2f})", fontsize=10)
        right.set_title(f"loss {history.loss[step]:.3f}", fontsize=10)
        return line, done, now

    draw(0)
    return fig, draw


def animate_fit(x, y, history, frames=10, interval=300):
    """The lesson's animation of a run: the line moves onto the points, the loss falls. A
    `NotebookAnimation`: a notebook plays it, offline too."""
    fig, draw = _fit_figure(x, y, history)
    plt.close(fig)  # show it once, as the animation, not also as a still picture
    steps = frame_steps(history, frames)
    animation = FuncAnimation(fig, draw, frames=steps, interval=interval)
    return NotebookAnimation(animation, "the line fitting the points", len(steps))


def animate_path(x, y, history, frames=10, interval=300):
    """The same run seen from above: a dot walking down the contours of the loss surface."""
    fig, ax = plt.subplots(figsize=(4, 3.2), dpi=DPI, layout="constrained")
    plot_surface(ax, x, y)
    (path,) = ax.plot([], [], ".-", color="tab:red", markersize=3, linewidth=1)
    plt.close(fig)

    def draw(step):
        path.set_data(history.a[: step + 1, 0], history.a[: step + 1, 1])
        ax.set_title(f"step {step}, loss {history.loss[step]:.3f}", fontsize=10)
        return (path,)

    steps = frame_steps(history, frames)
    animation = FuncAnimation(fig, draw, frames=steps, interval=interval)
    return NotebookAnimation(animation, "the walk down the loss surface", len(steps))


def plot_fit_steps(x, y, history, frames=4):
    """Stills of a run, for pages that cannot play an animation: the points and the line at
    `frames` steps, chosen as `animate_fit` chooses its frames."""
    steps = frame_steps(history, frames)
    fig, axes = plt.subplots(
        1,
        len(steps),
        figsize=(2.3 * len(steps), 2.3),
        dpi=80,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    x0 = np.asarray(x)[:, 0]
    order = np.argsort(x0)
    for ax, step in zip(axes[0], steps, strict=True):
        ax.scatter(x0, np.asarray(y), s=6, color="tab:orange")
        ax.plot(x0[order], np.asarray(x)[order] @ history.a[step], color="tab:blue")
        ax.set_title(f"step {step}: loss {history.loss[step]:.3f}", fontsize=9)
        ax.set_xlabel("x[:, 0]")
    axes[0, 0].set_ylabel("y")
    return fig


def plot_runs(x, y, runs, window=WINDOW):
    """Runs side by side: each one's path on the loss contours above its loss curve.
    `runs` maps a title (such as "too low") to a Steps."""
    size = (3 * len(runs), 5.2)
    fig, axes = plt.subplots(
        2, len(runs), figsize=size, dpi=80, squeeze=False, layout="constrained"
    )
    for (title, history), top, bottom in zip(runs.items(), axes[0], axes[1], strict=True):
        plot_surface(top, x, y, window)
        plot_path(top, history)
        bs = "full batch" if history.bs is None else f"bs={history.bs}"
        top.set_title(f"{title}\nlr={history.lr:g}, {bs}", fontsize=10)
        bottom.plot(history.loss, color="tab:red")
        end = "diverged" if history.diverged else "final"
        bottom.set(xlabel="step", ylabel="mse (log scale)", yscale="log")
        bottom.set_title(f"{end} loss {history.loss[-1]:.3g}", fontsize=10)
    return fig


def draw_run(x, y, lr=0.1, bs=None, steps=50):
    """Fit with the given lr and bs, and draw its path and loss curve; returns the figure."""
    return plot_runs(x, y, {"your run": fit(x, y, lr=lr, steps=steps, bs=bs)})


def explore(x, y):
    """Sliders for lr and bs; each change re-runs the fit and redraws."""
    n = len(y)
    lr = widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0.1, step=0.05, description="lr")
    bs = widgets.IntSlider(value=n, min=1, max=n, description="bs (n = full)")
    return widgets.interactive(
        lambda lr, bs: draw_run(x, y, lr, None if bs == n else bs), lr=lr, bs=bs
    )


def save_gif(x, y, history, path, frames=20, ms_per_frame=150, dpi=90):
    """Write the fit animation as a looping GIF with Pillow (atomically: temp file, then rename)."""
    path = Path(path)
    fig, draw = _fit_figure(x, y, history)
    images = []
    try:
        for step in frame_steps(history, frames):
            draw(step)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=dpi)
            images.append(Image.open(buffer).convert("RGB").quantize(colors=64))
    finally:
        plt.close(fig)
    first, *rest = images
    pause = [ms_per_frame] * len(rest) + [2000]  # hold the fitted line before looping
    with atomic_open(path, "wb") as f:
        first.save(f, "GIF", save_all=True, append_images=rest, duration=pause, loop=0)
    return path
