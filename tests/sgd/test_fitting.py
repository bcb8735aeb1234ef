"""lesson2.sgd.fitting: the under/over-fitting demo really shows what notebook 06 says it shows."""

import numpy as np
import pytest
import torch

from lesson2.sgd.fitting import (
    above_valid,
    features,
    fit_degree,
    loss_pair,
    poly_data,
    sweep,
    train_curves,
    turning_point,
    wd_sweep,
)

SEEDS = range(6)  # the claims hold for every data set drawn, not for one lucky seed


@pytest.fixture(scope="module")
def data():
    return poly_data(seed=0)


@pytest.mark.parametrize("degree", [0, 1, 3, 6])
def test_fit_degree_is_least_squares(data, degree):
    # numpy's polyfit, in powers of x, is an independent reference for the same least squares
    reference = np.polyfit(data.x_train, data.y_train, degree)
    expected = np.mean((np.polyval(reference, data.x_train) - data.y_train) ** 2)
    train, _ = loss_pair(data, fit_degree(data, degree))
    assert train == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_sweep_shows_under_good_and_overfitting(seed):
    # notebook 06: degree 1 misses training and validation points; the best degree is the good
    # fit; degree 12 has the lowest training loss of the three and shoots off between the points
    table = sweep(poly_data(seed=seed), degrees=range(13)).set_index("degree")
    best = turning_point(table.valid_loss.to_numpy())
    assert 2 <= best <= 6
    assert table.train_loss.is_monotonic_decreasing  # more capacity always fits training better
    assert table.valid_loss[1] > 2 * table.valid_loss[best]  # underfit: a line misses the curve
    assert table.train_loss[1] > 1.5 * table.train_loss[best]  # ...and the training points too
    assert table.train_loss[12] < table.train_loss[best]  # overfit: training loss keeps falling
    assert table.valid_loss[12] > 100 * table.valid_loss[best]  # ...while validation explodes


@pytest.mark.parametrize("seed", SEEDS)
def test_training_too_long_overfits(seed):
    curves = train_curves(poly_data(seed=seed), degree=15, lr=0.5, steps=5000)
    turn = turning_point(curves.valid_loss)
    assert 0 < turn < 1000
    assert np.all(np.diff(curves.train_loss) <= 1e-12)  # training loss falls the whole time...
    assert curves.valid_loss[-1] > 1.05 * curves.valid_loss[turn]  # ...validation loss turns up
    assert np.all(np.diff(curves.valid_loss[turn : turn + 50]) > 0)  # and keeps going up
    assert curves.train_loss[-1] < curves.train_loss[turn]


@pytest.mark.parametrize("seed", SEEDS)
def test_training_below_validation_is_not_yet_overfitting(seed):
    # The lesson's point: at the best step the model is not overfitting (validation loss has
    # not turned up yet), and still its training loss is already lower than its validation loss.
    curves = train_curves(poly_data(seed=seed))
    turn = turning_point(curves.valid_loss)
    assert curves.train_loss[turn] < curves.valid_loss[turn]
    assert np.all(np.diff(curves.valid_loss[: turn + 1]) < 0)  # validation improving all the way


def test_too_high_lr_is_refused_with_advice(data):
    with pytest.raises(ValueError, match="smaller lr"):
        train_curves(data, lr=5.0, steps=200)


def test_bad_degrees_are_refused(data):
    with pytest.raises(ValueError, match="whole number"):
        features(data.x_train, -1)
    with pytest.raises(ValueError, match="use a degree below 16, or weight decay"):
        fit_degree(data, 16)


def test_make_data_is_reproducible():
    a, b, c = poly_data(seed=1), poly_data(seed=1), poly_data(seed=2)
    assert np.array_equal(a.y_train, b.y_train) and not np.array_equal(a.y_train, c.y_train)
    assert len(a.x_train) == 16 and len(a.x_valid) == 200
    with pytest.raises(ValueError, match="need 2"):
        poly_data(n_train=1)


@pytest.mark.parametrize(("degree", "wd"), [(3, 0.01), (12, 1e-4), (15, 0.1), (20, 1.0)])
def test_weight_decay_fit_is_the_minimum_of_the_decayed_loss(data, degree, wd):
    # the reference is autograd: at the minimum, mse + wd * sum(a**2) has zero gradient
    a = torch.tensor(fit_degree(data, degree, wd), requires_grad=True)
    x, y = torch.tensor(features(data.x_train, degree)), torch.tensor(data.y_train)
    loss = ((x @ a - y) ** 2).mean() + wd * (a**2).sum()
    loss.backward()
    assert a.grad.abs().max() < 1e-9


@pytest.mark.parametrize("seed", SEEDS)
def test_weight_decay_pulls_an_overfit_polynomial_back(seed):
    data = poly_data(seed=seed)
    overfit = loss_pair(data, fit_degree(data, 12))
    table = wd_sweep(data, degree=12)
    best = turning_point(table.valid_loss)
    assert table.valid_loss[best] < overfit[1] / 100  # validation loss: far better
    assert np.all(np.diff(table.train_loss) > 0)  # training loss: worse with every step up in wd
    assert table.valid_loss.iloc[-1] > 1.2 * table.valid_loss[best]  # too much: underfits again


@pytest.mark.parametrize("seed", SEEDS)
def test_training_above_validation_only_while_underfitting(seed):
    # notebook 06: in the red band the model is underfitting, its validation loss well above the
    # best it reaches later. The hint is never wrong here: wherever training loss is above
    # validation loss, the model is well short of its best, and validation loss still falling
    curves = train_curves(poly_data(seed=seed), degree=15, lr=0.05, steps=1000)
    best = curves.valid_loss.min()
    for step in above_valid(curves):
        assert step < turning_point(curves.valid_loss)
        assert curves.valid_loss[step] > 1.5 * best


def test_negative_weight_decay_is_refused(data):
    with pytest.raises(ValueError, match="weight decay is a number >= 0"):
        fit_degree(data, 3, wd=-0.1)
