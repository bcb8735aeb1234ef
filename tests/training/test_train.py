"""lesson2.training.train: a folder in, a trained learner and both exports out."""

import pytest

from lesson2.dataset.folders import DatasetError
from lesson2.demo.shapes import draw_dataset
from lesson2.training.plan import plan_for
from lesson2.training.train import train
from lesson2_app.model import Model


@pytest.mark.slow
def test_train_exports_the_learner_and_the_apps_file(tmp_path):
    draw_dataset(
        tmp_path / "shapes", classes=("circle", "square", "triangle"), n_per_class=12, size=64
    )
    said = []
    plan = plan_for(size=64, bs=8, freeze_epochs=1, epochs=1)
    done = train(tmp_path / "shapes", plan, hi="lr_find", out=tmp_path / "m.pkl", log=said.append)
    assert done.pkl == tmp_path / "m.pkl" and done.pkl.is_file()
    assert Model.load(done.onnx).vocab == ["circle", "square", "triangle"]
    assert 0 <= done.error_rate <= 1 and done.seconds > 0
    # two epochs of full batches (fastai drops the last, short one), lr_find's trial steps left out
    assert done.images_seen == 2 * len(done.learn.dls.train) * plan.bs
    assert said[0].startswith("device: cpu")
    assert any("then the whole network 1 epoch;" in line for line in said)
    # hi="lr_find": the top is read from lr_find after unfreeze, within [lr / 10, lr / 2]
    assert "fine_tune's lr / 2" not in " ".join(said)
    (rates,) = [line for line in said if line.startswith("the whole network at slice(")]
    assert 2e-4 <= float(rates.split(", ")[1].split(")")[0]) <= 1e-3
    assert done.stopping == "ran the one planned epoch"
    assert 0 <= done.baseline_error <= 1


def test_a_folder_that_is_no_dataset_fails_before_training(tmp_path):
    draw_dataset(tmp_path / "one", classes=("circle",), n_per_class=4, size=16)
    with pytest.raises(DatasetError, match="only class 'circle'"):
        train(tmp_path / "one", out=tmp_path / "m.pkl", log=lambda _: None)
    assert not (tmp_path / "m.pkl").exists()


def test_an_empty_class_folder_fails_before_training(tmp_path):
    draw_dataset(tmp_path / "shapes", classes=("circle", "square"), n_per_class=4, size=16)
    (tmp_path / "shapes" / "triangle").mkdir()
    said = []
    with pytest.raises(DatasetError, match=r"class folder\(s\) triangle .* hold no pictures"):
        train(tmp_path / "shapes", out=tmp_path / "m.pkl", log=said.append)
    assert not (tmp_path / "m.pkl").exists()
    assert said == []  # nothing chosen, planned or trained first


def test_pictures_that_cannot_be_read_are_named_before_training(tmp_path):
    draw_dataset(tmp_path / "shapes", classes=("circle", "square"), n_per_class=4, size=16)
    (tmp_path / "shapes" / "square" / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a whole jpeg")
    said = []
    with pytest.raises(DatasetError, match=r"1 file\(s\) .* cannot be read as pictures") as e:
        train(tmp_path / "shapes", out=tmp_path / "m.pkl", log=said.append)
    assert "square/cut.jpg" in str(e.value) and "quarantine=True" in str(e.value)
    assert not (tmp_path / "m.pkl").exists()
    assert said == []  # nothing chosen, planned or trained first
