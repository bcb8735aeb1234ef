"""lesson2.training.learner: pretrained learners, frozen and normalised, with fixed BatchNorm on
a CPU."""

import pytest
import torch
import torchvision

from lesson2.training import models
from lesson2.training.data import get_dls
from lesson2.training.learner import get_learner
from lesson2.training.plan import plan_for


def test_get_learner_is_frozen_and_normalized_for_lite0(small_shapes):
    dls = get_dls(small_shapes, plan_for(size=64, bs=16))
    learn = get_learner(dls)
    assert [m.name for m in learn.metrics] == ["error_rate", "accuracy"]
    norm = [t for t in dls.after_batch.fs if type(t).__name__ == "Normalize"]
    assert len(norm) == 1
    assert norm[0].mean.flatten().tolist() == list(models.LITE0_STATS[0])
    learn.create_opt()
    trainable = [p.requires_grad for p in learn.model[0].parameters()]
    assert not any(trainable)  # CPU: frozen body, BatchNorm included (bn_eval)
    assert all(p.requires_grad for p in learn.model[1].parameters())
    learn.unfreeze()
    assert all(p.requires_grad for p in learn.model.parameters())


@pytest.mark.slow
def test_batchnorm_statistics_stay_fixed_with_bn_eval(small_shapes):
    dls = get_dls(small_shapes, plan_for(size=64, bs=16))
    learn = get_learner(dls, bn_eval=True)
    bn, conv = learn.model[0].model.bn1, learn.model[0].model.conv_stem
    before, conv_before = bn.running_mean.clone(), conv.weight.detach().clone()
    learn.unfreeze()
    with learn.no_bar(), learn.no_logging():
        learn.fit(1, 1e-3)
    assert torch.equal(bn.running_mean, before)
    assert not torch.equal(conv.weight, conv_before)  # the body did train
    trained = get_learner(dls, bn_eval=False)
    with trained.no_bar(), trained.no_logging():
        trained.fit(1, 1e-3)
    assert not torch.equal(trained.model[0].model.bn1.running_mean, before)


def test_get_learner_from_scratch_needs_no_weights(small_shapes):
    dls = get_dls(small_shapes, plan_for(size=64, bs=16))
    learn = get_learner(dls, pretrained=False)
    assert all(p.requires_grad for p in learn.model.parameters())
    assert not learn.bn_eval


def test_get_learner_resnet34_uses_cached_weights(small_shapes, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    dls = get_dls(small_shapes, plan_for(size=64, bs=16))
    with pytest.raises(models.WeightsNotFound, match="pretrained=False"):
        get_learner(dls, arch="resnet34")
    assert not [t for t in dls.after_batch.fs if type(t).__name__ == "Normalize"]  # untouched
    stand_in = torchvision.models.resnet34()
    dest = models.hub_checkpoint(torchvision.models.ResNet34_Weights.IMAGENET1K_V1.url)
    dest.parent.mkdir(parents=True)
    torch.save(stand_in.state_dict(), dest)
    learn = get_learner(dls, arch="resnet34")
    assert torch.equal(learn.model[0][0].weight, stand_in.conv1.weight)
    assert len(learn.opt.param_groups) == 3  # fastai's resnet split: lr=slice(lo, hi) spreads
    xb, _ = dls.one_batch()
    assert learn.model.eval()(xb).shape == (16, len(dls.vocab))


def test_the_model_starts_on_the_device_of_its_batches(small_shapes):
    """fastai moves the model only when a fit begins; the recipe's head stage and the cleaner
    pass batches through the body before any fit, so the learner puts it there at once (the
    GPU run's crash: CUDA batches into a body left on the CPU). "meta" stands in for CUDA: a
    device other than the CPU that any machine has."""
    dls = get_dls(small_shapes, plan_for(size=64, bs=16))
    dls.device = torch.device("meta")
    learn = get_learner(dls)
    assert {p.device.type for p in learn.model.parameters()} == {"meta"}
    norm = next(t for t in dls.after_batch.fs if type(t).__name__ == "Normalize")
    assert norm.mean.device.type == norm.std.device.type == "meta"  # fastai's default: any GPU
