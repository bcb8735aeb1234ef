"""Underfitting, a good fit and overfitting, on a problem small enough to see all of it.

    from lesson2.sgd.fitting import poly_data, fit_degree, sweep, train_curves, turning_point
    data = poly_data(seed=0)                # 16 noisy training points from a sine, 200 to validate
    coefs = fit_degree(data, degree=3)      # least squares on polynomial features
    fit_degree(data, degree=12, wd=0.01)    # with weight decay: mse + wd * sum(a**2)
    table = sweep(data, degrees=range(13))  # training and validation loss for each degree
    wd_sweep(data, degree=12)               # the same for one polynomial and each weight decay
    curves = train_curves(data, degree=15)  # SGD on degree-15 features, step by step
    turning_point(curves.valid_loss)        # the step after which validation loss goes up
    above_valid(curves)                     # steps where training loss is above validation loss

A polynomial is a straight line in disguise: y_hat = features(x, degree) @ a, so the same mean
squared error and the same `lesson2.sgd.line` loop fit it. The features are Legendre polynomials
(1, x, (3x²-1)/2, ...), which are as well behaved on [-1, 1] as powers of x are badly behaved.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.polynomial import legendre

from lesson2.sgd.line import fit_numpy, losses

WDS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # weight decays that wd_sweep tries


def truth(x):
    """The curve behind the data; a model never sees it, only noisy samples of it."""
    return np.sin(np.pi * x)


@dataclass
class Data:
    """Training points to fit and validation points, from the same curve, to judge the fit."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray


def poly_data(n_train=16, n_valid=200, noise=0.3, seed=0):
    """Samples of `truth` on [-1, 1] plus Gaussian noise: few to train on, many to validate."""
    if n_train < 2 or n_valid < 1:
        raise ValueError(
            f"n_train={n_train}, n_valid={n_valid}: need 2+ to train and 1+ to validate"
        )
    rng = np.random.default_rng(seed)
    x_train, x_valid = rng.uniform(-1, 1, n_train), rng.uniform(-1, 1, n_valid)
    y_train = truth(x_train) + noise * rng.normal(size=n_train)
    y_valid = truth(x_valid) + noise * rng.normal(size=n_valid)
    return Data(x_train, y_train, x_valid, y_valid)


def features(x, degree):
    """The columns P0(x), P1(x), ..., P_degree(x): a polynomial is then features @ a."""
    if not (isinstance(degree, int | np.integer) and degree >= 0):
        raise ValueError(f"degree={degree!r}: a polynomial degree is a whole number >= 0")
    return legendre.legvander(np.asarray(x, dtype=np.float64), int(degree))


def fit_degree(data, degree, wd=0.0):
    """The exact coefficients `a` of a polynomial of `degree` on the training set: least squares,
    or with wd > 0 the minimum of mse + wd * sum(a**2), the loss with weight decay."""
    n = len(data.y_train)
    if not wd >= 0:
        raise ValueError(f"wd={wd!r}: weight decay is a number >= 0, such as 0.01")
    if wd == 0 and degree >= n:
        raise ValueError(
            f"degree={degree} with {n} training points: the fit is not unique; "
            f"use a degree below {n}, or weight decay (wd > 0)"
        )
    x, y = features(data.x_train, degree), data.y_train
    if wd > 0:  # the same minimum as least squares on x and y with sqrt(n * wd) * I, 0 appended
        x = np.vstack([x, np.sqrt(n * wd) * np.eye(degree + 1)])
        y = np.concatenate([y, np.zeros(degree + 1)])
    return np.linalg.lstsq(x, y, rcond=None)[0]


def predict(a, x):
    """y_hat of the polynomial with coefficients `a` at points x."""
    return features(x, len(a) - 1) @ a


def loss_pair(data, a):
    """(training loss, validation loss) of the coefficients `a`: mean squared errors."""
    train = np.mean((predict(a, data.x_train) - data.y_train) ** 2)
    valid = np.mean((predict(a, data.x_valid) - data.y_valid) ** 2)
    return float(train), float(valid)


def sweep(data, degrees=range(13)):
    """A table of training and validation loss for polynomials of each degree."""
    rows = [(d, *loss_pair(data, fit_degree(data, d))) for d in degrees]
    return pd.DataFrame(rows, columns=["degree", "train_loss", "valid_loss"])


def wd_sweep(data, degree=12, wds=WDS):
    """A table of training and validation loss of one polynomial fitted with each weight decay."""
    rows = [(wd, *loss_pair(data, fit_degree(data, degree, wd))) for wd in wds]
    return pd.DataFrame(rows, columns=["wd", "train_loss", "valid_loss"])


@dataclass
class Curves:
    """Losses after each SGD step (index 0 is before the first step) of one training run."""

    train_loss: np.ndarray
    valid_loss: np.ndarray
    degree: int
    lr: float


def train_curves(data, degree=15, lr=0.5, steps=5000):
    """Train a degree-`degree` polynomial from a = 0 with full-batch `lesson2.sgd.line.fit_numpy`,
    recording training and validation loss at every step."""
    x_train = features(data.x_train, degree)
    history = fit_numpy(x_train, data.y_train, a=np.zeros(degree + 1), lr=lr, steps=steps)
    if history.diverged:
        raise ValueError(f"lr={lr} made the training loss blow up: try a smaller lr, such as 0.1")
    valid_loss = losses(features(data.x_valid, degree), data.y_valid, history.a)
    return Curves(history.loss, valid_loss, degree, lr)


def turning_point(valid_loss):
    """The step (or degree) with the lowest validation loss: past it, validation loss goes up."""
    return int(np.argmin(valid_loss))


def above_valid(curves):
    """The steps at which the training loss is above the validation loss: a hint of underfitting
    (the model has not yet learned even the points it trains on)."""
    return np.flatnonzero(np.asarray(curves.train_loss) > np.asarray(curves.valid_loss))
