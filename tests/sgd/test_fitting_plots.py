"""lesson2.sgd.fitting_plots: fits, sweeps and curves, with the turning point marked."""

import matplotlib.pyplot as plt
import pytest

from lesson2.sgd import fitting_plots
from lesson2.sgd.fitting import poly_data, sweep, train_curves, turning_point, wd_sweep


@pytest.fixture(scope="module")
def data():
    return poly_data(seed=0)


def test_plots_mark_the_turning_point(data):
    curves = train_curves(data)
    fig = fitting_plots.plot_curves(curves)
    (note,) = fig.axes[0].texts
    assert f"(step {turning_point(curves.valid_loss)})" in note.get_text()
    fig = fitting_plots.plot_sweep(sweep(data))
    assert "(degree 3)" in fig.axes[0].texts[0].get_text()
    fig = fitting_plots.plot_fits(data, {"underfit": 1, "good fit": 3})
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["underfit", "good fit"]
    plt.close("all")


def test_plots_name_the_band_the_best_wd_and_the_decay(data):
    fig = fitting_plots.plot_curves(train_curves(data, degree=15, lr=0.05, steps=1000))
    assert "training above validation" in [t.get_text() for t in fig.axes[0].get_legend().texts]
    fig = fitting_plots.plot_wd(wd_sweep(data))
    assert "(wd 0.1)" in fig.axes[0].texts[0].get_text()
    fig = fitting_plots.plot_fits(data, {"weight decay": (12, 0.1)})
    assert fig.axes[0].get_title().startswith("weight decay: degree 12, wd=0.1\ntrain 0.147")
    plt.close("all")
