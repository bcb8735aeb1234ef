"""Stochastic gradient descent from scratch: fit a straight line `y = x@a` as the lesson does.

    from lesson2.sgd.line import line_data, fit, fit_numpy
    x, y = line_data(n=100, seed=42)          # x: a column of uniform(-1, 1), a column of 1s
    history = fit(x, y, lr=0.1, steps=100)    # full batch: every step sees all n points
    history.a[-1], history.loss[-1]           # the fitted (slope, intercept) and its loss
    fit(x, y, lr=0.1, steps=100, bs=10)       # minibatches of 10: the *stochastic* in SGD
    fit_numpy(x.numpy(), y.numpy())           # the same loop with the gradient worked out by hand

`fit` runs `sgd_step`, which is the lesson's `update()`: autograd computes the gradient of the
mean squared error, then `a.sub_(lr * a.grad)` and `a.grad.zero_()`. `fit_numpy` runs the same
loop on NumPy arrays with `numpy_grad`, the derivative written out: 2/n * x.T @ (x@a - y).
"""

from dataclasses import dataclass

import numpy as np
import torch

A = (3.0, 2.0)  # the lesson's true slope and intercept
A0 = (-1.0, 1.0)  # the lesson's starting guess, deliberately bad


def line_data(n=100, a=A, noise=0.3, seed=42):
    """Points on the line x@a plus zero-mean Gaussian noise; returns float32 tensors x (n, 2), y.

    The lesson adds torch.rand(n), whose mean of 0.5 lifts the intercept; centred noise of about
    the same spread keeps the answer at a itself."""
    if n < 2:
        raise ValueError(f"n={n}: a line needs at least 2 points")
    g = torch.Generator().manual_seed(seed)
    x = torch.ones(n, 2)
    x[:, 0].uniform_(-1.0, 1.0, generator=g)
    y = x @ torch.tensor(a) + noise * torch.randn(n, generator=g)
    return x, y


def mse(y_hat, y):
    """Mean squared error; works on tensors and on NumPy arrays."""
    return ((y_hat - y) ** 2).mean()


def sgd_step(x, y, a, lr):
    """One update exactly as the lesson writes it; changes the Parameter `a` in place."""
    y_hat = x @ a
    loss = mse(y_hat, y)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()
    return loss.item()


def numpy_grad(x, y, a):
    """The gradient of mse(x@a, y) with respect to a, derived by hand: 2/n * x.T @ (x@a - y)."""
    return 2 / len(y) * x.T @ (x @ a - y)


def numpy_step(x, y, a, lr):
    """The same update in NumPy with the hand-derived gradient; changes the array `a` in place."""
    loss = mse(x @ a, y)
    a -= lr * numpy_grad(x, y, a)
    return float(loss)


def batches(n, bs, steps, seed=0):
    """Index arrays for `steps` updates: shuffle the n points each epoch, cut them into bs-sized
    minibatches (the last one of an epoch may be smaller). bs=None means every point, every step."""
    if bs is None or bs >= n:
        for _ in range(steps):
            yield np.arange(n)
        return
    rng = np.random.default_rng(seed)
    done = 0
    while True:
        order = rng.permutation(n)
        for start in range(0, n, bs):
            if done == steps:
                return
            yield order[start : start + bs]
            done += 1


@dataclass
class Steps:
    """What a fit did: a[t] are the parameters before step t+1 (a[0] is the start), loss[t] the
    mean squared error of a[t] on all the points, lr and bs the settings it ran with."""

    a: np.ndarray  # (steps + 1, k)
    loss: np.ndarray  # (steps + 1,)
    lr: float
    bs: int | None

    @property
    def diverged(self):
        """True when the loss ended higher than it started, or stopped being a number."""
        return not np.isfinite(self.loss[-1]) or self.loss[-1] > self.loss[0]


def losses(x, y, params):
    """mse of every row of `params` (shape (t, k)) on the points x, y, in float64."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    # A diverging run overflows to inf: that is a result to show, not an error to raise.
    with np.errstate(over="ignore", invalid="ignore"):
        return ((x @ params.T - y[:, None]) ** 2).mean(axis=0)


def _check(x, y, lr, steps, bs):
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: give one y per row of x")
    if not lr > 0:
        raise ValueError(f"lr={lr}: the learning rate must be a positive number, such as 0.1")
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps={steps!r}: ask for a whole number of steps, 1 or more")
    if bs is not None and not (isinstance(bs, int) and bs >= 1):
        raise ValueError(f"bs={bs!r}: the batch size is a whole number >= 1, or None for all")


def _fit(step, x, y, a, lr, steps, bs, seed):
    """Run `step` once per minibatch, recording the parameters after every update."""
    _check(x, y, lr, steps, bs)
    params = [np.array(a.tolist(), dtype=np.float64)]
    with np.errstate(over="ignore", invalid="ignore"):  # NumPy, diverging, overflows to inf
        for idx in batches(len(y), bs, steps, seed):
            step(x[idx], y[idx], a, lr)
            params.append(np.array(a.tolist(), dtype=np.float64))
    params = np.stack(params)
    return Steps(a=params, loss=losses(x, y, params), lr=lr, bs=bs)


def fit(x, y, a=A0, lr=0.1, steps=100, bs=None, seed=0):
    """Fit y ≈ x@a with `sgd_step` (PyTorch autograd); bs=None is full batch."""
    a = torch.nn.Parameter(torch.tensor(a, dtype=x.dtype))
    return _fit(sgd_step, x, y, a, lr, steps, bs, seed)


def fit_numpy(x, y, a=A0, lr=0.1, steps=100, bs=None, seed=0):
    """The same fit with `numpy_step` (hand-derived gradient) on NumPy arrays."""
    x, y = np.asarray(x), np.asarray(y)
    a = np.array(a, dtype=x.dtype)
    return _fit(numpy_step, x, y, a, lr, steps, bs, seed)


def least_squares(x, y):
    """The exact best `a` for the mean squared error (no descent at all), in float64."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return np.linalg.lstsq(x, y, rcond=None)[0]
