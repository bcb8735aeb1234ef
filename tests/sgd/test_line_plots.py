"""lesson2.sgd.line_plots: the line and the loss surface, animated and in stills."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.animation import FuncAnimation
from PIL import Image

from lesson2.sgd import line_plots
from lesson2.sgd.line import fit, line_data


@pytest.fixture(scope="module")
def data():
    return line_data(n=100, seed=42)


def test_explore_redraws_when_a_slider_moves(data):
    x, y = data
    widget = line_plots.explore(x, y)
    lr, bs = widget.kwargs_widgets
    first = widget.result
    lr.value, bs.value = 1.2, 10
    assert widget.result is not first
    assert "lr=1.2, bs=10" in widget.result.axes[0].get_title()
    assert widget.result.axes[1].get_title().startswith("diverged")
    plt.close("all")


def test_plot_runs_titles_say_what_happened(data):
    x, y = data
    fig = line_plots.plot_runs(x, y, {"good": fit(x, y), "too high": fit(x, y, lr=1.05)})
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("good") and titles[2].startswith("final loss")
    assert titles[3].startswith("diverged loss")
    plt.close(fig)


@pytest.mark.slow
def test_animations_stay_small_enough_for_a_notebook(data):
    x, y = data
    history = fit(x, y, steps=100)
    for animate in (line_plots.animate_fit, line_plots.animate_path):
        animation = animate(x, y, history)
        assert isinstance(animation.animation, FuncAnimation)
        html = animation._repr_html_()
        assert html.count("data:image/png;base64") == 10  # 10 frames: first, last and between
        assert len(html) < 300_000  # bytes saved in the notebook, per animation
        assert "://" not in html and 'class="fa' not in html  # nothing fetched: offline
        assert repr(animation).endswith(": 10 frames>") and "0x" not in repr(animation)


@pytest.mark.parametrize(("steps", "frames"), [(100, 10), (100, 4), (60, 12), (5, 10), (1, 3)])
def test_frames_run_from_first_to_last_step_densest_early(data, steps, frames):
    x, y = data
    chosen = line_plots.frame_steps(fit(x, y, steps=steps), frames)
    assert len(chosen) == min(frames, steps + 1)
    assert chosen[0] == 0 and chosen[-1] == steps and np.all(np.diff(chosen) > 0)
    assert np.all(np.diff(np.diff(chosen)) >= 0)  # gaps never shrink: the early steps, close up


def test_stills_show_the_line_and_loss_at_the_frames(data):
    x, y = data
    history = fit(x, y, steps=100)
    fig = line_plots.plot_fit_steps(x, y, history, frames=4)
    steps = [0, 4, 21, 100]
    assert [ax.get_title() for ax in fig.axes] == [
        f"step {t}: loss {history.loss[t]:.3f}" for t in steps
    ]
    for ax, t in zip(fig.axes, steps, strict=True):
        line_x, line_y = ax.lines[0].get_data()
        np.testing.assert_allclose(line_y, line_x * history.a[t, 0] + history.a[t, 1], rtol=1e-5)
    assert history.a[0, 0] < 0 < history.a[-1, 0]  # "starts sloping the wrong way", ends right
    plt.close(fig)


@pytest.mark.slow
def test_save_gif_writes_a_looping_gif(data, tmp_path):
    x, y = data
    history = fit(x, y, steps=60)
    path = line_plots.save_gif(x, y, history, tmp_path / "docs" / "sgd.gif", frames=12)
    assert [p.name for p in path.parent.iterdir()] == ["sgd.gif"]  # no temp file left behind
    assert path.stat().st_size < 400_000
    assert path.stat().st_mode & 0o044 == 0o044  # readable by all, like any other file
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 12 and gif.info["loop"] == 0
