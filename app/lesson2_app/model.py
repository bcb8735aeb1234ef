"""A model exported by `lesson2 export`, run with onnxruntime: labels, probabilities, and whether a
picture looks like anything the model was trained on.

    model = Model.load("models/shapes.onnx", threads=1)   # a ModelFileError says what is wrong
    pred = model.predict(img)                            # an RGB PIL image (see pictures.read_rgb)
    pred.label, pred.probs, pred.in_domain, pred.ood_score, pred.seconds
    preds = model.predict_batch([img1, img2])            # one pass through the network

The file holds the network and, in its metadata (key "lesson2", JSON), the labels, the
preprocessing recipe and the out-of-domain threshold. The network answers two outputs: the
class probabilities and `ood_score`, the Mahalanobis distance of its pooled features to the
nearest class of the training pictures (higher is less alike). Pictures scoring above the
threshold chosen at export time are not `in_domain`.
"""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .preprocess import Recipe

META_KEY = "lesson2"  # the metadata entry `lesson2 export` writes
INPUT, OUTPUTS = "image", ["probs", "ood_score"]


class ModelFileError(Exception):
    """The model file is missing, is not a model, or was not exported by `lesson2 export`."""


@dataclass(frozen=True)
class Prediction:
    """The label, every class's probability, whether the picture is like the training pictures."""

    label: str
    probs: dict  # {label: probability}, in the model's label order
    seconds: float
    in_domain: bool | None = None  # None: the model carries no out-of-domain statistics
    ood_score: float | None = None  # higher means less like the training pictures


def sniff(path, head):
    """Why a file starting with `head` is plainly no model (an HTML page, an LFS pointer, ...)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "is empty: the download or the export did not finish; make the file again"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")):
        return (
            "is an HTML page, not a model: the download probably failed (a login, error or "
            "'file too large to scan' page was saved instead). Download the file itself again"
        )
    if text.startswith(b"version https://git-lfs"):
        return "is a Git LFS pointer, not the model: run `git lfs pull` to fetch the real file"
    return None


def _check_file(path):
    if not path.is_file():
        where = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise ModelFileError(
            f"model file {path} {where}: export one with `lesson2 export MODEL.pkl` (or "
            "`lesson2 train`), and point LESSON2_MODEL / --model at the .onnx file"
        )
    with open(path, "rb") as f:
        why = sniff(path, f.read(512))
    if why:
        raise ModelFileError(f"{path} {why}")


def session_options(threads=1):
    """How the app runs a model: `threads` per call, quiet, int8 weights made float32 at load."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # per request; the app runs `workers` requests at once
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: ort's warnings are not the user's business
    # Weights stored as int8 (`lesson2 export --web`) are turned into float32 once, at load. Left
    # on, onnxruntime's QDQ fusions would also round the activations (up to 0.8 apart on a
    # small graph) and run the DequantizeLinear nodes at every call.
    options.add_session_config_entry("session.disable_quant_qdq", "1")
    return options


def _session(path, threads):
    options = session_options(threads)
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise ModelFileError(
            f"{path} is not an ONNX model onnxruntime can run ({str(e).splitlines()[0][:200]}): "
            "export it again with `lesson2 export MODEL.pkl`"
        ) from e


class Model:
    """An ONNX model with the metadata `lesson2 export` writes; safe to share between threads."""

    def __init__(self, session, meta, path=None):
        self.session, self.path = session, path
        self.vocab = [str(v) for v in meta["labels"]]
        self.recipe = Recipe.from_dict(meta["preprocess"])
        self.threshold = float(meta["ood"]["threshold"])
        self.meta = meta

    @classmethod
    def load(cls, path, threads=1):
        """The model in the .onnx file `path`, running on `threads` CPU threads per call."""
        path = Path(path).expanduser()
        _check_file(path)
        if path.suffix == ".pkl":
            raise ModelFileError(
                f"{path} is a fastai learner (a pickle), which the app does not load: "
                f"run `lesson2 export {path}` and serve the .onnx file it writes"
            )
        session = _session(path, threads)
        raw = session.get_modelmeta().custom_metadata_map.get(META_KEY)
        if raw is None:
            raise ModelFileError(
                f"{path} is an ONNX model without lesson2's metadata (labels, preprocessing): "
                "export it with `lesson2 export MODEL.pkl`"
            )
        return cls(session, json.loads(raw), path)

    def scores(self, x):
        """(probs (n, classes), ood_score (n,)) for a float32 batch from `recipe.batch`."""
        probs, ood = self.session.run(OUTPUTS, {INPUT: x})
        return probs, ood

    def predict_batch(self, imgs):
        """A Prediction for each RGB PIL image, from one pass through the network."""
        start = time.perf_counter()
        if not imgs:
            return []
        probs, ood = self.scores(self.recipe.batch(imgs))
        seconds = time.perf_counter() - start
        return [
            Prediction(
                label=self.vocab[int(np.argmax(p))],
                probs=dict(zip(self.vocab, map(float, p), strict=True)),
                seconds=seconds,
                in_domain=bool(score <= self.threshold),
                ood_score=float(score),
            )
            for p, score in zip(probs, ood, strict=True)
        ]

    def predict(self, img):
        """The Prediction for one RGB PIL image."""
        return self.predict_batch([img])[0]
