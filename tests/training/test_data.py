"""lesson2.training.data: the DataBlock, its split and its pictures, from real image folders."""

import pytest
import torch
from fastai.vision.all import PILImage, Pipeline
from PIL import Image

from lesson2.demo.shapes import CLASSES, draw_dataset
from lesson2.training.data import get_dls, split_files, valid_names
from lesson2.training.plan import plan_for


def test_get_dls_splits_the_classes_and_ignores_hidden_folders(small_shapes):
    dls = get_dls(small_shapes, plan_for(size=64, bs=16, valid_pct=0.25))
    assert list(dls.vocab) == sorted(CLASSES)
    n = 16 * len(CLASSES)  # the small_shapes fixture
    assert (len(dls.train_ds), len(dls.valid_ds)) == (n * 3 // 4, n // 4)
    items = dls.train.items + dls.valid.items
    assert not [p for p in items if ".trash" in p.parts or p.suffix == ".csv"]
    xb, yb = dls.one_batch()
    assert xb.shape == (16, 3, 64, 64)
    assert yb.shape == (16,)


def test_get_dls_split_is_the_same_for_the_same_seed(small_shapes):
    first, again, other = (
        get_dls(small_shapes, plan_for(size=64, bs=16, seed=s)) for s in (1, 1, 2)
    )
    assert first.valid.items == again.valid.items
    assert first.valid.items != other.valid.items


def test_split_files_is_the_split_get_dls_trains_on(small_shapes):
    plan = plan_for(size=64, bs=16, seed=3)
    dls = get_dls(small_shapes, plan)
    train, valid = split_files(small_shapes, plan)
    assert sorted(dls.valid.items) == sorted(valid) and sorted(dls.train.items) == sorted(train)
    again = get_dls(small_shapes, plan, valid_files=valid_names(dls))
    assert sorted(again.valid.items) == sorted(valid)


def test_get_dls_explains_a_bad_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no dataset folder at"):
        get_dls(tmp_path / "missing")
    draw_dataset(tmp_path / "one", classes=("circle",), n_per_class=4, size=32)
    with pytest.raises(
        ValueError, match=r"only class 'circle'.*one subfolder of pictures per class"
    ):
        get_dls(tmp_path / "one")
    draw_dataset(tmp_path / "few", classes=("circle", "square", "triangle"), n_per_class=1, size=32)
    with pytest.raises(ValueError, match="too few"):
        get_dls(tmp_path / "few", plan_for(bs=16))


def test_training_sees_a_sideways_photo_upright_as_the_app_does(tmp_path):
    """A phone photo stored sideways with an EXIF orientation tag (defect 6 of issue 12)."""
    from PIL import Image

    from lesson2_app.pictures import ORIENTATION, read_rgb

    draw_dataset(tmp_path, n_per_class=6, size=48)
    photo = tmp_path / "circle" / "sideways.jpg"
    stored = Image.new("RGB", (80, 40), "white")
    stored.paste((200, 0, 0), (0, 0, 20, 40))  # a red band on the stored left edge
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was held on its side: turn 90 degrees to view
    stored.save(photo, exif=exif.tobytes(), quality=95)
    plan = plan_for(size=40, bs=4)
    dls = get_dls(tmp_path, plan, valid_files=["circle/sideways.jpg"])
    loaded, label = dls.valid_ds[0]
    assert loaded.size == (80, 40)  # fastai on its own opens it sideways...
    item_tfms = Pipeline(dls.valid.after_item.fs, split_idx=1)  # as for validation: no chance
    seen = item_tfms((loaded, label))[0]
    served = read_rgb(photo)
    assert served.size == (40, 80)
    reference = item_tfms((PILImage.create(served), label))[0]
    assert seen[0, 0].tolist() == [200] * 40  # the band at the top, where the camera had it
    assert torch.equal(seen, reference)  # ...but trains on what read_rgb serves


def test_training_and_cleaning_see_the_same_pictures(tmp_path):
    """One test of what a picture is: a .jfif (a JPEG by another name, which fastai's mimetype
    list misses) is trained on and cleaned; an .svg (which that list takes) is neither."""
    from lesson2.clean.features import embeddings

    draw_dataset(tmp_path, n_per_class=6, size=32)
    (tmp_path / "circle" / "circle_0000.jpg").rename(tmp_path / "circle" / "phone.jfif")
    (tmp_path / "square" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    dls = get_dls(tmp_path, plan_for(size=32, bs=4), num_workers=0)
    trained = {p.relative_to(tmp_path).as_posix() for p in dls.train.items + dls.valid.items}
    assert "circle/phone.jfif" in trained and "square/logo.svg" not in trained
    assert trained == set(embeddings(tmp_path).names)


def test_validation_sees_the_whole_picture_not_its_centre(tmp_path):
    """fastai's RandomResizedCrop cuts a margin away at validation (val_xtra=0.14); a small crop
    of a photo has no margin to spare, so validation and the app see all of the picture."""
    draw_dataset(tmp_path, n_per_class=6, size=48)
    framed = Image.new("RGB", (64, 64), "black")
    framed.paste((255, 255, 255), (4, 4, 60, 60))  # white inside a black frame 4 px wide
    framed.save(tmp_path / "circle" / "framed.png")
    dls = get_dls(tmp_path, plan_for(size=32, bs=4), valid_files=["circle/framed.png"])
    loaded, label = dls.valid_ds[0]
    seen = Pipeline(dls.valid.after_item.fs, split_idx=1)((loaded, label))[0]
    assert seen.shape == (3, 32, 32)
    for edge in (seen[:, 0], seen[:, -1], seen[:, :, 0], seen[:, :, -1]):
        assert edge.float().mean() < 64  # the frame is there, on every side
    assert seen[:, 16, 16].tolist() == [255, 255, 255]
