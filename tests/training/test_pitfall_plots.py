"""lesson2.training.pitfall_plots: a loss and an error-rate panel for each pitfall."""

import matplotlib
import pytest

from lesson2.training.pitfall_plots import FLOOR, plot_pitfalls
from lesson2.training.pitfalls import PITFALLS, History

matplotlib.use("Agg")


@pytest.fixture
def histories():
    """Made-up curves, one per pitfall, one of them down to exactly 0 loss."""
    made = {}
    for k, name in enumerate(PITFALLS):
        steps = [i / 10 for i in range(11)]
        falling = [2.0 * (1 - t) ** (k + 1) for t in steps]
        made[name] = History(
            steps,
            falling,
            [v + 0.1 for v in falling],
            [v / 4 for v in falling],
            [v / 3 for v in falling],
        )
    return made


def test_plot_has_a_loss_and_an_error_panel_a_pitfall(histories):
    fig = plot_pitfalls(histories)
    assert len(fig.axes) == 2 * len(PITFALLS)
    width, height = fig.get_size_inches()
    assert width <= 10 and height / len(PITFALLS) >= 2  # rows of readable size, not a strip
    loss_ax = fig.axes[0]
    assert loss_ax.get_yscale() == "log"
    assert loss_ax.get_ylim()[0] < FLOOR  # a loss of 0 is drawn at the floor, not lost
    assert fig.axes[1].get_ylabel() == "error rate (%)"
    titles = [ax.get_title(loc="left") for ax in fig.axes[::2]]
    assert titles == list(PITFALLS)
