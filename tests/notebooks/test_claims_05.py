"""The claims notebook 05 makes in words, checked against the package, PyTorch and fastai."""

import ast
import inspect
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from lesson2.sgd.line import line_data, mse, numpy_grad

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "05_sgd_from_scratch.ipynb"
SEEDS = (42, 0, 1, 2)  # the lesson's seed, and three more


def taught(name):
    """The function `name` as a cell of the notebook defines it (only the def, not the cell)."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
        if defs:
            namespace = {}
            exec(compile(ast.Module(defs, []), str(NOTEBOOK), "exec"), namespace)
            return namespace[name]
    raise AssertionError(f"notebook 05 defines no {name}()")


@pytest.mark.parametrize("seed", SEEDS)
def test_the_notebooks_mse_and_gradient_are_the_packages(seed):
    x, y = line_data(seed=seed)
    a = torch.tensor([-1.0, 1.0])
    assert taught("mse")(x @ a, y) == mse(x @ a, y)
    got = taught("grad")(x.numpy(), y.numpy(), a.numpy())
    np.testing.assert_array_equal(got, numpy_grad(x.numpy(), y.numpy(), a.numpy()))


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_gives_the_same_number_either_way_round(seed):
    # "For the mean squared error that gives the same number: the square removes the sign"
    x, y = line_data(seed=seed)
    y_hat = x @ torch.tensor([-1.0, 1.0])
    assert mse(y_hat, y) == mse(y, y_hat)
    assert mse(y_hat, y) == torch.nn.functional.mse_loss(y_hat, y)  # PyTorch: input, target


def test_cross_entropy_is_not_symmetric():
    # "cross-entropy ... treats its two arguments differently, and swapping them is a bug"
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    targets = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    f = torch.nn.functional.cross_entropy
    assert not torch.isclose(f(logits, targets), f(targets, logits))


def test_fastais_default_optimiser_is_adam():
    # "fastai's default optimiser is Adam; learn.opt_func on notebook 02's learner shows it"
    from fastai.learner import Learner
    from fastai.optimizer import Adam
    from fastai.vision.learner import vision_learner

    assert inspect.signature(Learner).parameters["opt_func"].default is Adam
    assert inspect.signature(vision_learner).parameters["opt_func"].default is Adam


def test_adam_gives_steady_gradients_a_full_step_and_jumpy_ones_less():
    # "Adam keeps running averages of each parameter's gradients and of their squares, and
    # scales each parameter's step by them: steady gradients get a full step, jumpy ones less"
    from fastai.optimizer import Adam

    p = torch.zeros(2, requires_grad=True)
    opt = Adam([p], lr=0.01, wd=0.0)
    for step in range(50):
        before = p.detach().clone()
        p.grad = torch.tensor([5.0, 5.0 if step % 2 else -5.0])  # steady, and jumping about
        opt.step()
    moved = (p.detach() - before).abs()
    assert moved[0] == pytest.approx(0.01, rel=0.05)  # a full lr, whatever the gradient's size
    assert moved[1] < 0.5 * moved[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_learning_rates_shown_fall_either_side_of_the_edge(seed):
    # "two well below that edge and two just either side of it": 0.01, 0.1 | 0.95 < edge < 1.05
    x, _ = line_data(seed=seed)
    curvature = np.linalg.eigvalsh(2 / len(x) * (x.T @ x).double().numpy()).max()
    assert 0.1 < 0.95 < 2 / curvature < 1.05
