"""What notebook 06 says about weight decay: L2 against decoupled, and fastai's defaults."""

import inspect

import pytest
import torch

LR, WD = 0.1, 0.01


def grads():
    """Parameters, and gradients of very different sizes, to step from."""
    return torch.tensor([1.0, -2.0, 0.5, 3.0]), torch.tensor([10.0, 0.001, -5.0, 0.0])


def fastai_steps(opt_func, steps=3, wd=WD, **kwargs):
    """The parameters after `steps` steps of a fastai optimiser, the same gradient each time."""
    start, grad = grads()
    p = start.clone().requires_grad_()
    opt = opt_func([p], lr=LR, wd=wd, **kwargs)
    for _ in range(steps):
        p.grad = grad.clone()
        opt.step()
    return p.detach()


def test_an_l2_penalty_in_the_loss_is_decoupled_decay_of_twice_wd_for_plain_sgd():
    # "loss = mse(y_hat, y) + wd * (a**2).sum() ... each step of plain SGD also shrinks each
    # parameter by lr * 2 * wd times itself": the notebook's L2 form, through autograd
    x, y = torch.randn(20, 4, dtype=torch.float64), torch.randn(20, dtype=torch.float64)
    a = torch.randn(4, dtype=torch.float64, requires_grad=True)
    (((x @ a - y) ** 2).mean() + WD * (a**2).sum()).backward()
    l2_step = a.detach() - LR * a.grad
    a.grad = None
    ((x @ a - y) ** 2).mean().backward()
    decoupled_step = a.detach() * (1 - LR * 2 * WD) - LR * a.grad
    torch.testing.assert_close(l2_step, decoupled_step, rtol=0, atol=1e-15)


def test_fastais_sgd_makes_the_same_steps_either_way():
    from fastai.optimizer import SGD

    torch.testing.assert_close(
        fastai_steps(SGD, decouple_wd=True), fastai_steps(SGD, decouple_wd=False)
    )


def test_fastais_adam_makes_different_steps_and_l2_pulls_least_where_gradients_are_large():
    # "With Adam they differ: Adam rescales each parameter's gradient, the L2 part included, so
    # an L2 penalty pulls least on the parameters whose gradients are large"
    from fastai.optimizer import Adam

    start, grad = grads()
    plain = fastai_steps(Adam, steps=1, wd=0.0)
    pulled = {  # how far weight decay moved each parameter in one step, relative to its size
        how: (fastai_steps(Adam, steps=1, decouple_wd=how) - plain).abs() / start.abs()
        for how in (True, False)
    }
    assert not torch.allclose(pulled[True], pulled[False])
    torch.testing.assert_close(pulled[True], torch.full_like(start, LR * WD))  # all alike
    big, small = grad.abs().argmax(), grad.abs().argmin()
    assert pulled[False][big] < 0.01 * pulled[False][small]


def test_fastais_defaults_are_decoupled_weight_decay_of_0_01_in_adam():
    # "fastai's default optimiser, Adam, uses decoupled weight decay (decouple_wd=True, that is
    # AdamW) with wd=0.01, and leaves batch-norm and bias parameters alone (wd_bn_bias=False)"
    from fastai.learner import Learner
    from fastai.optimizer import Adam

    learner = inspect.signature(Learner).parameters
    adam = inspect.signature(Adam).parameters
    assert learner["opt_func"].default is Adam
    assert learner["wd"].default is None  # None: the optimiser's own default
    assert adam["wd"].default == pytest.approx(0.01)
    assert adam["decouple_wd"].default is True
    assert learner["wd_bn_bias"].default is False
