"""lesson2.train: DataLoaders, learners and exports built from real image folders."""

import json
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import torch
import torchvision
from fastai.vision.all import PILImage, Pipeline, set_seed

from lesson2 import models, train
from lesson2.shapes import CLASSES, draw_dataset


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    """A small demo folder, with a hidden quarantine folder and a non-image file to ignore."""
    path = tmp_path_factory.mktemp("shapes")
    draw_dataset(path, n_per_class=16, size=64)
    draw_dataset(path / ".trash", classes=("circle",), n_per_class=3, size=64, seed=9)
    (path / "circle" / "manifest.csv").write_text("url,status\n")
    return path


@pytest.fixture(scope="module")
def learn(path):
    """A tiny trained learner, as other modules' tests build it."""
    dls = train.get_dls(path, train.plan_for(size=64, bs=16))
    learn = train.get_learner(dls)
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(1)
    return learn


def test_get_dls_splits_the_classes_and_ignores_hidden_folders(path):
    dls = train.get_dls(path, train.plan_for(size=64, bs=16), valid_pct=0.25)
    assert list(dls.vocab) == list(CLASSES)
    assert (len(dls.train_ds), len(dls.valid_ds)) == (36, 12)
    items = dls.train.items + dls.valid.items
    assert not [p for p in items if ".trash" in p.parts or p.suffix == ".csv"]
    xb, yb = dls.one_batch()
    assert xb.shape == (16, 3, 64, 64)
    assert yb.shape == (16,)


def test_get_dls_split_is_the_same_for_the_same_seed(path):
    first, again, other = (
        train.get_dls(path, train.plan_for(size=64, bs=16), seed=s) for s in (1, 1, 2)
    )
    assert first.valid.items == again.valid.items
    assert first.valid.items != other.valid.items


def test_get_dls_picks_size_for_the_device(path):
    dls = train.get_dls(path, train.plan_for("cpu", bs=8), device="cpu")
    assert dls.one_batch()[0].shape[-1] == train.CPU_SIZE
    assert train.plan_for("cuda").size > train.plan_for("cpu").size
    assert train.plan_for("cuda").epochs > train.plan_for("cpu").epochs


def test_get_dls_explains_a_bad_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder at"):
        train.get_dls(tmp_path / "missing")
    draw_dataset(tmp_path / "one", classes=("circle",), n_per_class=4, size=32)
    with pytest.raises(ValueError, match=r"only class 'circle'.*subfolder per class"):
        train.get_dls(tmp_path / "one")
    draw_dataset(tmp_path / "few", n_per_class=1, size=32)
    with pytest.raises(ValueError, match="too few"):
        train.get_dls(tmp_path / "few", train.plan_for(bs=16))


def test_get_learner_is_frozen_and_normalized_for_lite0(path):
    dls = train.get_dls(path, train.plan_for(size=64, bs=16))
    learn = train.get_learner(dls)
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
def test_batchnorm_statistics_stay_fixed_with_bn_eval(path):
    dls = train.get_dls(path, train.plan_for(size=64, bs=16))
    learn = train.get_learner(dls, bn_eval=True)
    bn, conv = learn.model[0].model.bn1, learn.model[0].model.conv_stem
    before, conv_before = bn.running_mean.clone(), conv.weight.detach().clone()
    learn.unfreeze()
    with learn.no_bar(), learn.no_logging():
        learn.fit(1, 1e-3)
    assert torch.equal(bn.running_mean, before)
    assert not torch.equal(conv.weight, conv_before)  # the body did train
    trained = train.get_learner(dls, bn_eval=False)
    with trained.no_bar(), trained.no_logging():
        trained.fit(1, 1e-3)
    assert not torch.equal(trained.model[0].model.bn1.running_mean, before)


def test_get_learner_from_scratch_needs_no_weights(path):
    dls = train.get_dls(path, train.plan_for(size=64, bs=16))
    learn = train.get_learner(dls, pretrained=False)
    assert all(p.requires_grad for p in learn.model.parameters())
    assert not learn.bn_eval


def test_get_learner_resnet34_uses_cached_weights(path, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    dls = train.get_dls(path, train.plan_for(size=64, bs=16))
    with pytest.raises(models.WeightsNotFound, match="pretrained=False"):
        train.get_learner(dls, arch="resnet34")
    assert not [t for t in dls.after_batch.fs if type(t).__name__ == "Normalize"]  # untouched
    stand_in = torchvision.models.resnet34()
    dest = models.hub_checkpoint(torchvision.models.ResNet34_Weights.IMAGENET1K_V1.url)
    dest.parent.mkdir(parents=True)
    torch.save(stand_in.state_dict(), dest)
    learn = train.get_learner(dls, arch="resnet34")
    assert torch.equal(learn.model[0][0].weight, stand_in.conv1.weight)
    assert len(learn.opt.param_groups) == 3  # fastai's resnet split: lr=slice(lo, hi) spreads
    xb, _ = dls.one_batch()
    assert learn.model.eval()(xb).shape == (16, 3)


@pytest.mark.slow
def test_export_loads_in_a_fresh_process(learn, path, tmp_path):
    fname = train.export(learn, tmp_path / "models" / "shapes.pkl")
    assert fname.is_file()
    assert [p.name for p in fname.parent.iterdir()] == ["shapes.pkl"]  # no temp file left over
    image = sorted((path / "triangle").glob("*.jpg"))[0]
    script = textwrap.dedent(f"""
        import json, sys
        from fastai.learner import load_learner
        learn = load_learner({str(fname)!r})
        label, idx, probs = learn.predict({str(image)!r})
        print(json.dumps(dict(
            vocab=list(learn.dls.vocab),
            probs=len(probs),
            cbs=[type(cb).__name__ for cb in learn.cbs],
            ours=[m for m in sys.modules if m.startswith("lesson2")],
        )))
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["vocab"] == list(CLASSES)
    assert loaded["probs"] == len(CLASSES)
    assert "BatchNormEval" not in loaded["cbs"]
    assert loaded["ours"] == []  # the fresh process never imported lesson2


def test_export_keeps_training_callbacks_on_the_learner(learn, tmp_path):
    before = sorted(type(cb).__name__ for cb in learn.cbs)  # fastai runs them by `order`
    train.export(learn, tmp_path / "again.pkl")
    assert sorted(type(cb).__name__ for cb in learn.cbs) == before
    assert "BatchNormEval" in before


def test_export_to_an_unwritable_place_leaves_nothing(learn, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises((FileExistsError, NotADirectoryError)):
        train.export(learn, blocker / "model.pkl")


def test_save_stage_round_trips(learn):
    saved = train.save_stage(learn, "stage-1")
    assert saved.name == "stage-1.pth"
    weight = learn.model[1][-1].weight.detach().clone()
    with torch.no_grad():
        learn.model[1][-1].weight.zero_()
    learn.load("stage-1")
    assert torch.equal(learn.model[1][-1].weight, weight)


@pytest.mark.slow
def test_find_lr_runs_until_the_loss_turns_and_suggests_left_of_it(learn):
    with learn.no_bar():
        found = train.find_lr(learn, num_it=30, start_lr=1e-5, end_lr=100, show_plot=False)
    assert len(learn.recorder.lrs) == 30  # every mini-batch, no early stop
    turn = train.lr_turn(learn.recorder)
    assert turn is not None and turn < learn.recorder.lrs[-1]  # the plotted curve turns up
    assert found.valley < turn  # the suggestion sits left of the turn


def test_lr_turn_finds_where_the_loss_shoots_up():
    lrs = [10**e for e in range(-7, 3)]
    flat_then_up = SimpleNamespace(lrs=lrs, losses=[1, 0.5, 0.4, 0.45, 0.4, 0.42, 0.5, 1, 3, 9])
    assert train.lr_turn(flat_then_up) == 1.0  # from lr 1 on, above twice the flat level
    noisy = SimpleNamespace(lrs=lrs, losses=[1, 0.5, 0.4, 1.2, 0.4, 0.42, 0.5, 0.4, 0.3, 0.3])
    assert train.lr_turn(noisy) is None  # one noisy jump that comes back is no turn
    still_falling = SimpleNamespace(
        lrs=lrs, losses=[1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    )
    assert train.lr_turn(still_falling) is None


@pytest.mark.slow
def test_fit_recipe_is_the_notebooks_lines(path):
    """The package's recipe and the lines notebook 02 shows train the same model."""
    plan = train.plan_for(size=64, bs=16, freeze_epochs=1, epochs=1)
    lr, lo = 2e-3, 1e-5

    def fresh():
        set_seed(7, reproducible=True)
        dls = train.get_dls(path, plan)
        return train.get_learner(dls)

    packaged = fresh()
    with packaged.no_bar(), packaged.no_logging():
        train.fit_recipe(packaged, plan, lr, lo=lo)
    shown = fresh()
    with shown.no_bar(), shown.no_logging():
        shown.fit_one_cycle(plan.freeze_epochs, lr)
        shown.unfreeze()
        shown.fit_one_cycle(plan.epochs, slice(lo, lr / 2))
    for a, b in zip(packaged.model.parameters(), shown.model.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    assert not torch.allclose(*(m[1][-1].weight for m in (packaged.model, fresh().model)))


def test_device_is_reported():
    device = train.pick_device()
    assert device.type in {"cuda", "mps", "cpu"}
    assert train.describe_device(device).startswith(device.type)
    assert train.default_workers("cpu") >= 0


def test_training_sees_a_sideways_photo_upright_as_the_app_does(tmp_path):
    """A phone photo stored sideways with an EXIF orientation tag (defect 6 of issue 12)."""
    from PIL import Image

    from lesson2.pictures import ORIENTATION, read_rgb

    draw_dataset(tmp_path, n_per_class=6, size=48)
    photo = tmp_path / "circle" / "sideways.jpg"
    stored = Image.new("RGB", (80, 40), "white")
    stored.paste((200, 0, 0), (0, 0, 20, 40))  # a red band on the stored left edge
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was held on its side: turn 90 degrees to view
    stored.save(photo, exif=exif.tobytes(), quality=95)
    plan = train.plan_for(size=40, bs=4)
    dls = train.get_dls(tmp_path, plan, valid_files=["circle/sideways.jpg"])
    loaded, label = dls.valid_ds[0]
    assert loaded.size == (80, 40)  # fastai on its own opens it sideways...
    item_tfms = Pipeline(dls.valid.after_item.fs, split_idx=1)  # as for validation: no chance
    seen = item_tfms((loaded, label))[0]
    served = read_rgb(photo)
    assert served.size == (40, 80)
    reference = item_tfms((PILImage.create(served), label))[0]
    assert seen[0, 0].tolist() == [200] * 40  # the band at the top, where the camera had it
    assert torch.equal(seen, reference)  # ...but trains on what read_rgb serves
