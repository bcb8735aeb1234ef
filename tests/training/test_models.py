"""lesson2.training.models: offline pretrained weights, checked against real photographs."""

import numpy as np
import pytest
import torch
import torchvision
from PIL import Image
from skimage import data

from lesson2.training import models

IMAGENET_CLASSES = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
CAT_CLASSES = {"tabby", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat"}


@pytest.fixture(scope="module")
def imagenet_lite0():
    return models.lite0(pretrained=True).eval()


def _top_class(net, pixels, stats):
    img = Image.fromarray(pixels).convert("RGB").resize((224, 224), Image.Resampling.BICUBIC)
    x = torch.tensor(np.asarray(img), dtype=torch.float32).permute(2, 0, 1)[None] / 255
    mean, std = (torch.tensor(s)[:, None, None] for s in stats)
    with torch.no_grad():
        return IMAGENET_CLASSES[net((x - mean) / std).argmax().item()]


def test_lite0_sees_a_cat_in_chelsea(imagenet_lite0):
    assert _top_class(imagenet_lite0, data.chelsea(), models.LITE0_STATS) in CAT_CLASSES


def test_lite0_sees_espresso_in_coffee(imagenet_lite0):
    assert _top_class(imagenet_lite0, data.coffee(), models.LITE0_STATS) == "espresso"


def test_lite0_stats_match_the_first_batchnorm(imagenet_lite0):
    # The stem BatchNorm's running variance records the scale of inputs seen in training:
    # with the right Normalize our photos land on it; with ImageNet's stats they are ~4x off.
    photos = [data.chelsea(), data.coffee(), data.astronaut(), data.rocket()]
    x = torch.stack(
        [
            torch.tensor(np.asarray(Image.fromarray(p).resize((224, 224)))).permute(2, 0, 1)
            for p in photos
        ]
    ).float()
    x = x / 255

    def variance_ratio(stats):
        mean, std = (torch.tensor(s)[:, None, None] for s in stats)
        with torch.no_grad():
            y = imagenet_lite0.conv_stem((x - mean) / std)
        return (y.var((0, 2, 3)).sum() / imagenet_lite0.bn1.running_var.sum()).item()

    imagenet_stats = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    assert 0.5 < variance_ratio(models.LITE0_STATS) < 2
    assert variance_ratio(imagenet_stats) > 3


def test_untrained_lite0_differs_from_pretrained(imagenet_lite0):
    fresh = models.lite0(pretrained=False)
    assert not torch.equal(fresh.conv_stem.weight, imagenet_lite0.conv_stem.weight)


def test_load_by_order_names_the_mismatching_tensor():
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    wrong = {"a.weight": torch.zeros(4, 3), "a.bias": torch.zeros(4), "b.weight": torch.zeros(3, 4)}
    wrong["b.bias"] = torch.zeros(2)
    with pytest.raises(ValueError, match=r"b\.weight has shape \(3, 4\) but 1\.weight needs"):
        models.load_by_order(net, wrong)
    with pytest.raises(ValueError, match="has 2 tensors but Sequential has 4"):
        models.load_by_order(net, dict(list(wrong.items())[:2]))


def test_load_by_order_loads_renamed_tensors():
    net = torch.nn.Linear(3, 2)
    weights = {"fc.w": torch.ones(2, 3), "fc.b": torch.full((2,), 7.0)}
    models.load_by_order(net, weights)
    assert torch.equal(net.bias, torch.full((2,), 7.0))


def test_resnet34_uses_local_torch_hub_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    stand_in = torchvision.models.resnet34()
    url = torchvision.models.ResNet34_Weights.IMAGENET1K_V1.url
    path = models.hub_checkpoint(url)
    path.parent.mkdir(parents=True)
    torch.save(stand_in.state_dict(), path)
    arch = models.torchvision_arch("resnet34")
    loaded = arch(weights="DEFAULT")  # torchvision finds the file in the cache: no download
    assert torch.equal(loaded.conv1.weight, stand_in.conv1.weight)


def test_resnet34_without_weights_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(models.WeightsNotFound) as err:
        models.torchvision_arch("resnet34")
    message = str(err.value)
    assert "resnet34-b627a593.pth" in message
    assert str(tmp_path / "hub" / "checkpoints") in message
    assert "pretrained=False" in message
    assert models.torchvision_arch("resnet34", pretrained=False) is torchvision.models.resnet34


def test_timm_model_uses_local_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(models.WeightsNotFound, match=r"timm\.create_model"):
        models.timm_body("mobilenetv3_small_050")
    import timm

    stand_in = timm.create_model("mobilenetv3_small_050", pretrained=False)
    cfg = timm.models.get_pretrained_cfg("mobilenetv3_small_050")
    path = models.hub_checkpoint(cfg.url)
    path.parent.mkdir(parents=True)
    torch.save(stand_in.state_dict(), path)
    body, stats = models.timm_body("mobilenetv3_small_050")
    assert torch.equal(body.model.conv_stem.weight, stand_in.conv_stem.weight)
    assert stats == (tuple(cfg.mean), tuple(cfg.std))


def test_unknown_arch_lists_the_choices():
    with pytest.raises(ValueError, match=r"efficientnet_lite0.*resnet34"):
        models.timm_body("resnet_9000")
