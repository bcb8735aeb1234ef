"""lesson2_app.model: the ONNX file `lesson2 export` writes, run with onnxruntime alone."""

import numpy as np
import pytest

from lesson2_app.model import Model, ModelFileError
from lesson2_app.pictures import read_rgb


def test_onnx_file_errors_say_what_to_do(tmp_path):
    page = tmp_path / "model.onnx"
    page.write_text("<!DOCTYPE html><html>Sign in</html>")
    with pytest.raises(ModelFileError, match="HTML page"):
        Model.load(page)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00\x01 not a protobuf at all" * 10)
    with pytest.raises(ModelFileError, match="lesson2 export"):
        Model.load(junk)


# ---- image modes: each one a real file, compared with what a person would see ------------------


def test_the_model_answers_labels_probabilities_and_whether_in_domain(tiny_onnx, tiny_examples):
    model = Model.load(tiny_onnx)
    assert model.vocab == ["circle", "square", "triangle"]
    assert model.threshold > 0
    pictures = [read_rgb(p) for p in sorted(tiny_examples.glob("*/*.jpg"))[:6]]
    batch = model.predict_batch(pictures)
    for img, pred in zip(pictures, batch, strict=True):
        alone = model.predict(img)
        assert alone.label == pred.label == max(pred.probs, key=pred.probs.get)
        np.testing.assert_allclose(list(alone.probs.values()), list(pred.probs.values()), atol=1e-5)
        assert abs(sum(pred.probs.values()) - 1) < 1e-5
        assert pred.in_domain == (pred.ood_score <= model.threshold)
    assert model.predict_batch([]) == []


def test_a_learner_pickle_is_refused_with_the_export_command(tiny_model_path):
    with pytest.raises(ModelFileError, match="lesson2 export"):
        Model.load(tiny_model_path)


def test_an_onnx_file_without_lessons_metadata_is_refused(tiny_onnx, tmp_path):
    import onnx

    proto = onnx.load(str(tiny_onnx))
    del proto.metadata_props[:]
    bare = tmp_path / "bare.onnx"
    onnx.save(proto, str(bare))
    with pytest.raises(ModelFileError, match="without lesson2's metadata"):
        Model.load(bare)
