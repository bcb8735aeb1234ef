"""A smaller network for the browser: int8 weights, one scale per output channel, float arithmetic.

    import onnx
    from lesson2.production.quantize import int8_weights, refit_ood, shrink
    proto = onnx.load("models/shapes.onnx")          # what `lesson2 export` writes
    small = int8_weights(proto)                      # weights in a quarter of the bytes
    small = refit_ood(small, train_files, valid_files)   # out-of-domain statistics of *this* net
    small = shrink(proto, train_files, valid_files)  # both, as `lesson2 export --web` does

Every convolution and matrix product's weight tensor becomes int8 numbers and one float scale
per output channel (symmetric: w = q * scale, q in -127..127), and a DequantizeLinear node turns
it back into float32 inside the graph. The activations stay float32, so the network computes what
the float32 one does with weights rounded to 1/254 of each channel's largest: the same labels,
at the float network's speed. onnxruntime's own `quantize_dynamic` also quantises activations,
per tensor: on the demo model it cut validation accuracy from 96.7% to 82.0% (shared/HINTS.md).

Rounding the weights moves the features that the out-of-domain score measures distances
between, so `refit_ood` fits the whitening and class means again on the rounded network's own
features of the training pictures, and the threshold on its own scores of the validation ones:
the score a visitor's browser computes is the one the threshold was chosen for.
"""

import json

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

from lesson2.production import ood
from lesson2_app.model import INPUT, META_KEY, OUTPUTS, session_options
from lesson2_app.pictures import read_rgb
from lesson2_app.preprocess import Recipe

WEIGHTS = {"Conv": 0, "Gemm": None, "MatMul": 1}  # op: axis of the output channels in input 1
MIN_SIZE = 1024  # smaller tensors (biases, tiny kernels) stay float32: not worth a node
# Depthwise kernels (9 or 25 weights per channel) stay float32: 4% of the demo network's weights,
# yet rounding them moved its probabilities most: up to 0.25 on the validation pictures, 0.035
# with them kept float32 (and one label changed, none with them kept).
MIN_PER_CHANNEL = 32
BS = 32  # pictures per onnxruntime call when computing features


def _quantise(w, axis):
    """(int8 q, float32 scale) with w ~ q * scale, one scale per index of `axis`."""
    others = tuple(i for i in range(w.ndim) if i != axis)
    peak = np.abs(w).max(axis=others, keepdims=True)
    scale = np.where(peak > 0, peak / 127, 1).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale.reshape(-1)


def dequantised(w, axis):
    """`w` as int8_weights stores it, back in float32: what the graph computes with."""
    q, scale = _quantise(w, axis)
    shape = [1] * w.ndim
    shape[axis] = -1
    return q.astype(np.float32) * scale.reshape(shape)


def _axis(node):
    if node.op_type != "Gemm":
        return WEIGHTS[node.op_type]
    trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
    return 0 if trans_b else 1


def int8_weights(proto, keep=(), min_size=MIN_SIZE):
    """A copy of `proto` whose Conv/Gemm/MatMul weight initializers (but those named in `keep`,
    and small or depthwise ones) are int8 with a per-channel scale, turned back into float32 by
    DequantizeLinear nodes."""
    proto = _copy(proto)
    graph = proto.graph
    inits = {i.name: i for i in graph.initializer}
    done, nodes = set(), []
    for node in graph.node:
        name = node.input[1] if node.op_type in WEIGHTS and len(node.input) > 1 else None
        init = inits.get(name)
        if name in done or name in keep or init is None:
            continue
        w, axis = numpy_helper.to_array(init), _axis(node)
        if w.dtype != np.float32 or w.size < min_size or w.size < MIN_PER_CHANNEL * w.shape[axis]:
            continue
        q, scale = _quantise(w, axis)
        graph.initializer.remove(init)
        graph.initializer.extend(
            [
                numpy_helper.from_array(q, f"{name}_int8"),
                numpy_helper.from_array(scale, f"{name}_scale"),
                numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), f"{name}_zero"),
            ]
        )
        dq = [f"{name}_int8", f"{name}_scale", f"{name}_zero"]
        nodes.append(helper.make_node("DequantizeLinear", dq, [name], axis=axis))
        done.add(name)
    # the DequantizeLinear nodes come first: a graph's nodes are in topological order
    everything = nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(everything)
    return proto


def _copy(proto):
    copy = onnx.ModelProto()
    copy.CopyFrom(proto)
    return copy


# ---- the out-of-domain statistics of a network, from its own features ------------------------


def ood_tensors(proto):
    """(pooled features, whitening matrix, class means): the names of the tensors the
    out-of-domain score is computed from, found by walking back from the `ood_score` output."""
    producers = {out: node for node in proto.graph.node for out in node.output}
    weights = {i.name for i in proto.graph.initializer} | {
        n.output[0] for n in proto.graph.node if n.op_type == "DequantizeLinear"
    }
    means, node = None, producers.get(OUTPUTS[1])
    while node is not None:
        if node.op_type == "Sub" and node.input[1] in weights:
            means = node.input[1]
        if node.op_type == "MatMul" and node.input[1] in weights and means is not None:
            return node.input[0], node.input[1], means
        node = producers.get(node.input[0])
    raise ValueError(f"no {OUTPUTS[1]!r} output computed from whitened features in this graph")


def meta_of(proto):
    """The lesson2 metadata `lesson2 export` stored in `proto` (a dict)."""
    for entry in proto.metadata_props:
        if entry.key == META_KEY:
            return json.loads(entry.value)
    raise ValueError("the model has no lesson2 metadata: export it with `lesson2 export`")


def _set_meta(proto, meta):
    for entry in proto.metadata_props:
        if entry.key == META_KEY:
            entry.value = json.dumps(meta)


def run_files(proto, files, outputs, bs=BS):
    """{output: array over `files`} of `proto` run by onnxruntime on the pictures at `files`,
    preprocessed as its metadata says (the app's own decoder and Pillow/NumPy steps)."""
    recipe = Recipe.from_dict(meta_of(proto)["preprocess"])
    graph = proto.graph
    known = {o.name for o in graph.output}
    extra = [helper.make_empty_tensor_value_info(o) for o in outputs if o not in known]
    if extra:
        proto = _copy(proto)
        proto.graph.output.extend(extra)
    options = session_options(threads=0)  # 0: every core
    session = ort.InferenceSession(proto.SerializeToString(), options, ["CPUExecutionProvider"])
    found = {o: [] for o in outputs}
    for i in range(0, len(files), bs):
        x = recipe.batch([read_rgb(f) for f in files[i : i + bs]])
        for name, value in zip(outputs, session.run(outputs, {INPUT: x}), strict=True):
            found[name].append(value)
    return {o: np.concatenate(v) for o, v in found.items()}


def _store(proto, name, array):
    """Put float32 `array` in the weight `name`: a float initializer, or int8 and its scales
    when int8_weights made it; returns the array as the graph will compute with it."""
    inits = {i.name: i for i in proto.graph.initializer}
    if name in inits:
        inits[name].CopyFrom(numpy_helper.from_array(array.astype(np.float32), name))
        return array.astype(np.float32)
    dq = next(
        n for n in proto.graph.node if n.op_type == "DequantizeLinear" and n.output[0] == name
    )
    axis = next(a.i for a in dq.attribute if a.name == "axis")
    q, scale = _quantise(array.astype(np.float32), axis)
    inits[dq.input[0]].CopyFrom(numpy_helper.from_array(q, dq.input[0]))
    inits[dq.input[1]].CopyFrom(numpy_helper.from_array(scale, dq.input[1]))
    return dequantised(array.astype(np.float32), axis)


def refit_ood(proto, train_files, valid_files):
    """A copy of `proto` whose out-of-domain statistics come from its own features: whitening
    and class means fitted on `train_files` (class: the parent folder), threshold set on its own
    scores of `valid_files`, as `lesson2.production.graph.ood_stats` does for a learner."""
    proto = _copy(proto)
    meta = meta_of(proto)
    features, whiten, means = ood_tensors(proto)
    index = {label: i for i, label in enumerate(meta["labels"])}
    unknown = sorted({f.parent.name for f in train_files} - set(index))
    if unknown:
        raise ValueError(f"training pictures in folders {unknown} are not classes of the model")
    targets = [index[f.parent.name] for f in train_files]
    x = run_files(proto, list(train_files), [features])[features]
    stats = ood.fit(x, targets, len(index))
    stored = _store(proto, whiten, stats.whiten)  # int8 rounds it: the means follow the rounding
    centres = (ood.class_means(x, targets, len(index)) @ stored).astype(np.float32)
    shape = next(i.dims for i in proto.graph.initializer if i.name == means)
    _store(proto, means, centres.reshape(shape))
    scores = run_files(proto, list(valid_files), [OUTPUTS[1]])[OUTPUTS[1]]
    stats = stats.with_threshold(scores)
    meta["ood"] = {**meta["ood"], "threshold": stats.threshold, "valid_flagged": stats.flagged}
    _set_meta(proto, meta)
    return proto


def shrink(proto, train_files, valid_files):
    """`proto` with int8 weights (the whitening matrix too) and out-of-domain statistics refitted
    on its own features: what `lesson2 export --web` ships."""
    small = int8_weights(proto)
    meta = meta_of(small)
    meta["weights"] = "int8, one scale per output channel (lesson2.production.quantize)"
    _set_meta(small, meta)
    return refit_ood(small, train_files, valid_files)
