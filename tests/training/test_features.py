"""lesson2.training.features: the body's activations pooled to one vector a picture."""

import torch

from lesson2.training.features import body_features, pooled


class Body(torch.nn.Module):
    """A 'body' whose activation map is the input itself."""

    def forward(self, x):
        return x


def test_pooled_is_the_average_and_concat_adds_the_max():
    x = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
    assert torch.equal(pooled(Body(), x), x.mean((2, 3)))
    assert torch.equal(
        pooled(Body(), x, concat=True), torch.cat([x.amax((2, 3)), x.mean((2, 3))], 1)
    )
    flat = torch.ones(2, 5)
    assert pooled(Body(), flat) is flat  # a body that pools itself


def test_body_features_cover_a_loader_without_gradients(learn):
    x, y = body_features(learn, learn.dls.valid)
    assert x.shape == (len(learn.dls.valid_ds), 1280) and not x.requires_grad
    assert torch.equal(y, torch.tensor([int(t) for _, t in learn.dls.valid_ds]))
    assert not learn.model.training
    both, _ = body_features(learn, learn.dls.valid, concat=True)
    assert both.shape[1] == 2560 and torch.allclose(both[:, 1280:], x)
