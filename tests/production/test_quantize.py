"""lesson2.production.quantize: int8 weights checked against NumPy on a small graph, and refitted
out-of-domain statistics checked against the export's own on the unchanged network."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from lesson2.production.quantize import (
    _quantise,
    dequantised,
    int8_weights,
    meta_of,
    ood_tensors,
    refit_ood,
    run_files,
    shrink,
)
from lesson2.training.data import split_files
from lesson2_app.model import OUTPUTS, session_options


def small_graph(rng):
    """x (1, 8, 6, 6) -> Conv 48x8x3x3 -> depthwise Conv 48x1x3x3 -> mean -> MatMul 48x64."""
    weights = {
        "conv": rng.normal(size=(48, 8, 3, 3)).astype(np.float32),
        "depthwise": rng.normal(size=(48, 1, 3, 3)).astype(np.float32),
        "dense": (rng.normal(size=(48, 64)) * np.linspace(0.01, 3, 64)).astype(np.float32),
    }
    nodes = [
        helper.make_node("Conv", ["x", "conv"], ["a"], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["a", "depthwise"], ["b"], pads=[1, 1, 1, 1], group=48),
        helper.make_node("ReduceMean", ["b"], ["c"], axes=[2, 3], keepdims=0),
        helper.make_node("MatMul", ["c", "dense"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])],
        [numpy_helper.from_array(w, name) for name, w in weights.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), weights


def run(proto, x):
    """`proto` on `x`, run as the app runs models (session_options: see why there)."""
    session = ort.InferenceSession(
        proto.SerializeToString(), session_options(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"x": x})[0]


def test_each_output_channel_gets_its_own_scale():
    w = np.array([[0.5, -1.0, 0.25], [100.0, 50.0, -25.0]], dtype=np.float32)
    q, scale = _quantise(w, axis=0)
    np.testing.assert_allclose(scale, [1 / 127, 100 / 127], rtol=1e-6)
    assert q.dtype == np.int8 and q[0, 1] == -127 and q[1, 0] == 127
    assert np.all(np.abs(dequantised(w, 0) - w) <= scale[:, None] / 2 + 1e-7)  # half a step


def test_int8_weights_compute_what_numpy_computes_with_the_rounded_weights():
    rng = np.random.default_rng(0)
    proto, weights = small_graph(rng)
    small = int8_weights(proto, min_size=0)
    inits = {i.name: numpy_helper.to_array(i) for i in small.graph.initializer}
    assert inits["conv_int8"].dtype == np.int8 and inits["dense_int8"].dtype == np.int8
    assert inits["depthwise"].dtype == np.float32  # 9 weights a channel: kept float32
    rounded = proto.__class__()
    rounded.CopyFrom(proto)
    for init in rounded.graph.initializer:  # the reference: float32 graph, rounded weights
        if init.name in ("conv", "dense"):
            axis = 0 if init.name == "conv" else 1
            init.CopyFrom(numpy_helper.from_array(dequantised(weights[init.name], axis), init.name))
    x = rng.normal(size=(1, 8, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(run(small, x), run(rounded, x), rtol=1e-5, atol=1e-5)
    relative = np.abs(run(small, x) - run(proto, x)).max() / np.abs(run(proto, x)).max()
    assert relative < 0.02
    assert len(small.SerializeToString()) < len(proto.SerializeToString()) / 2
    onnx.checker.check_model(small)


@pytest.mark.slow
def test_the_out_of_domain_tensors_are_found_from_the_output(tiny_onnx):
    features, whiten, means = ood_tensors(onnx.load(str(tiny_onnx)))
    assert whiten == "whiten" and features != means


@pytest.mark.slow
def test_refitting_the_unchanged_network_gives_the_exports_statistics(tiny_onnx, tiny_examples):
    proto = onnx.load(str(tiny_onnx))
    train, valid = split_files(tiny_examples)
    again = refit_ood(proto, train, valid)
    # the whitening is defined up to a rotation: compare distances, which do not depend on it
    scores = [run_files(p, valid, [OUTPUTS[1]])[OUTPUTS[1]] for p in (proto, again)]
    np.testing.assert_allclose(scores[1], scores[0], rtol=1e-3)
    assert meta_of(again)["ood"]["threshold"] == pytest.approx(
        meta_of(proto)["ood"]["threshold"], rel=1e-4
    )
    with pytest.raises(ValueError, match="not classes of the model"):
        refit_ood(proto, [tiny_examples.parent / "star" / "a.jpg"], valid)


@pytest.mark.slow
def test_shrink_stores_every_large_weight_and_the_whitening_as_int8(tiny_onnx, tiny_examples):
    proto = onnx.load(str(tiny_onnx))
    small = shrink(proto, *split_files(tiny_examples))
    _, whiten, _ = ood_tensors(small)
    dq = {n.output[0] for n in small.graph.node if n.op_type == "DequantizeLinear"}
    assert whiten in dq and len(dq) > 30
    assert "int8" in meta_of(small)["weights"]
    assert len(small.SerializeToString()) < len(proto.SerializeToString()) / 3
