"""lesson2.production.export: the .pkl that loads with fastai alone, and the ONNX file that answers
the whole validation set as `learn.predict` does."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import onnx
import pytest

from lesson2.demo.shapes import CLASSES
from lesson2.production.export import export_learner, pkl_path
from lesson2.production.graph import ExportError
from lesson2.training.data import split_files
from lesson2_app.model import Model
from lesson2_app.pictures import read_rgb


@pytest.mark.slow
def test_onnx_answers_the_whole_validation_set_like_learn_predict(tiny_learn, tiny_onnx):
    _, valid = split_files(tiny_learn.dls.path)
    model = Model.load(tiny_onnx)
    for path in valid:
        label, _, probs = tiny_learn.predict(path)
        pred = model.predict(read_rgb(path))
        assert pred.label == label
        np.testing.assert_allclose(list(pred.probs.values()), probs.numpy(), atol=1e-3)


@pytest.mark.slow
def test_the_file_carries_what_the_app_needs_compactly(tiny_onnx, tiny_model_path):
    proto = onnx.load(str(tiny_onnx))
    meta = json.loads(next(p.value for p in proto.metadata_props if p.key == "lesson2"))
    assert meta["labels"] == ["circle", "square", "triangle"]
    assert meta["preprocess"]["method"] == "random_resized_crop"
    assert meta["preprocess"]["val_xtra"] == 0  # the app sees whole pictures, as validation did
    assert meta["preprocess"]["interpolation"] == "bilinear"
    assert meta["ood"]["threshold"] > 0 and meta["ood"]["valid_flagged"] <= 0.05
    stats = [t for t in proto.graph.initializer if t.name in ("whiten", "means")]
    assert {t.data_type for t in stats} == {onnx.TensorProto.FLOAT}  # float32, not JSON
    # network plus a 1280x1280 float32 whitening matrix, nothing more
    assert tiny_onnx.stat().st_size < tiny_model_path.stat().st_size + 1280 * 1280 * 4 * 1.2


@pytest.mark.slow
def test_export_loads_in_a_fresh_process(learn, small_shapes, tmp_path):
    fname = export_learner(learn, tmp_path / "models" / "shapes.pkl")
    assert fname.is_file()
    assert [p.name for p in fname.parent.iterdir()] == ["shapes.pkl"]  # no temp file left over
    image = sorted((small_shapes / "triangle").glob("*.jpg"))[0]
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
    assert loaded["vocab"] == sorted(CLASSES)
    assert loaded["probs"] == len(CLASSES)
    assert "BatchNormEval" not in loaded["cbs"]
    assert loaded["ours"] == []  # the fresh process never imported lesson2


def test_export_keeps_training_callbacks_on_the_learner(learn, tmp_path):
    before = sorted(type(cb).__name__ for cb in learn.cbs)  # fastai runs them by `order`
    export_learner(learn, tmp_path / "again.pkl")
    assert sorted(type(cb).__name__ for cb in learn.cbs) == before
    assert "BatchNormEval" in before


def test_export_to_an_unwritable_place_leaves_nothing(learn, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises((FileExistsError, NotADirectoryError)):
        export_learner(learn, blocker / "model.pkl")


@pytest.mark.parametrize(("given", "better"), [("model", "model.pkl"), ("m.onnx", "m.pkl")])
def test_a_name_that_is_not_a_pkl_says_which_would_do(tmp_path, given, better):
    with pytest.raises(ExportError, match=f"must end in .pkl.*name it {tmp_path / better}"):
        pkl_path(tmp_path / given)
    assert pkl_path(tmp_path / "m.pkl") == tmp_path / "m.pkl"
    assert not list(tmp_path.iterdir())  # nothing written
