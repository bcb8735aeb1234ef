"""Loads a model and classifies images with it: the lesson's production step.

    from lesson2.production.inference import load, predict, predict_batch
    model = load("models/shapes.onnx")         # what the app serves: onnxruntime, no torch
    model = load("models/shapes.pkl")          # the fastai learner (model.learn), on the CPU
    model.vocab                                # ['circle', 'square', 'triangle'], either way
    pred = predict(model, "circle.jpg")        # a path, bytes or a PIL image, in any mode
    pred.label, pred.probs, pred.seconds       # 'circle', {'circle': 0.97, ...}, 0.012
    pred.in_domain, pred.ood_score             # False, 212.4 for a photo of a cat (.onnx only)
    preds = predict_batch(model, [a, b, c])    # one forward pass for many images

Both kinds of model answer the same calls (`vocab`, `predict`, `predict_batch` on RGB PIL
images). An ONNX file made by `lesson2 export` carries the out-of-domain statistics; a learner
does not, so its predictions say `in_domain=None` (export it to know). An exported learner is a
pickle, and unpickling runs code: only `load` .pkl files you made or trust, never a file a user
uploaded. Images are only ever decoded, never unpickled.
"""

import pickle
import threading
import time
import types
import warnings
from pathlib import Path

import torch
from fastai.learner import Learner, load_learner

from lesson2_app.model import Model, Prediction, sniff
from lesson2_app.model import ModelFileError as OnnxFileError
from lesson2_app.pictures import MAX_PIXELS, read_rgb

LIBRARIES = ("fastai", "fastcore", "torch", "timm")  # what an exported learner's pickle refers to


class ModelFileError(OnnxFileError):
    """The model file is missing, is not a model, or needs other library versions."""


# ---- loading a model -------------------------------------------------------------------------


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in LIBRARIES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


class _MissingCode(Exception):
    """The pickle names a module or class that this installation does not have."""


class _NotALearner(Exception):
    """The pickle holds something other than a fastai Learner."""


class _Unpickler(pickle.Unpickler):
    """pickle's Unpickler that reports missing code and objects that are not learners."""

    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError) as e:  # fastai would hide the first kind
            raise _MissingCode(f"{module}.{name} ({e})") from e

    def load(self):
        obj = super().load()
        if not isinstance(obj, Learner):  # before fastai moves it to the CPU as a learner
            raise _NotALearner(type(obj).__name__)
        return obj


# torch.load accepts any object with pickle's `Unpickler` and `load`; this one reports missing code
_pickle = types.ModuleType("lesson2_pickle")
_pickle.Unpickler = _Unpickler
_pickle.load = lambda f, **kwargs: _Unpickler(f, **kwargs).load()


def check_model_header(path):
    """Raise ModelFileError when the first bytes of `path` show it cannot be an exported learner."""
    with open(path, "rb") as f:
        head = f.read(512)
    if head.startswith((b"PK\x03\x04", b"\x80")):  # torch's zip format, or a bare pickle
        return
    why = sniff(path, head) or (
        f"is not an exported fastai learner (it starts with {head[:12]!r}): make one with "
        "learn.export() or `lesson2 train`"
    )
    raise ModelFileError(f"{path} {why}")


def load(path, threads=None):
    """The model in `path`: the app's `Model` for .onnx, else a `LearnerModel` holding the fastai
    learner exported there, on the CPU (trusted files only: unpickling runs code)."""
    path = Path(path).expanduser()
    if path.suffix == ".onnx":
        try:
            return Model.load(path, threads or torch.get_num_threads())
        except OnnxFileError as e:
            raise ModelFileError(str(e)) from None
    if not path.is_file():
        where = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise ModelFileError(
            f"model file {path} {where}: train and export one with `lesson2 train`, "
            "or point LESSON2_MODEL / --model at the exported .pkl"
        )
    check_model_header(path)
    try:
        with warnings.catch_warnings():  # fastai warns that pickles run code; see the docstring
            warnings.filterwarnings("ignore", message="load_learner` uses Python's insecure pickle")
            learn = load_learner(path, cpu=True, pickle_module=_pickle)
    except _MissingCode as e:
        raise ModelFileError(
            f"{path} was exported with other library versions: it needs {e}, which is not in "
            f"this installation ({_versions()}). Install the versions it was trained with, "
            "or export it again here"
        ) from e
    except _NotALearner as e:
        raise ModelFileError(
            f"{path} holds a {e}, not an exported fastai Learner: export one with learn.export()"
        ) from e
    except (pickle.UnpicklingError, EOFError, RuntimeError) as e:
        raise ModelFileError(
            f"{path} is damaged or cut short ({e}): export or download the model again"
        ) from e
    learn.model.eval()
    return LearnerModel(learn)


# ---- predicting ------------------------------------------------------------------------------


_TRANSFORMS_LOCK = threading.Lock()  # fastai's batch transforms keep per-batch state


def class_probs(learn, imgs, bs=64):
    """A (len(imgs), len(vocab)) tensor of probabilities for RGB PIL images, batched.

    Safe to call from many threads: the transforms run one batch at a time, the model in
    parallel."""
    with _TRANSFORMS_LOCK:
        # plain tensors: fastai's TensorImage type costs time in every layer of the model
        dl = learn.dls.test_dl(imgs, bs=bs, num_workers=0)
        xbs = [xb.as_subclass(torch.Tensor) for xb, *_ in dl]
    activation = getattr(learn.loss_func, "activation", lambda y_hat: y_hat.softmax(dim=-1))
    model, probs = learn.model.eval(), []
    with torch.inference_mode():
        for xb in xbs:
            probs.append(activation(model(xb)).as_subclass(torch.Tensor).float())
    return torch.cat(probs)


class LearnerModel:
    """A fastai learner answering the calls of the app's `Model`: vocab, predict, predict_batch
    on RGB PIL images. No out-of-domain statistics: `threshold` is None."""

    threshold = None

    def __init__(self, learn):
        self.learn, self.vocab = learn, [str(v) for v in learn.dls.vocab]

    def predict_batch(self, imgs):
        """A Prediction for each RGB PIL image, from batched passes through the network."""
        start = time.perf_counter()
        if not imgs:
            return []
        probs = class_probs(self.learn, imgs)
        seconds = time.perf_counter() - start
        return [
            Prediction(
                self.vocab[int(p.argmax())], dict(zip(self.vocab, p.tolist(), strict=True)), seconds
            )
            for p in probs
        ]

    def predict(self, img):
        return self.predict_batch([img])[0]


def predict_batch(model, images, max_pixels=MAX_PIXELS):
    """A Prediction for each image (path, bytes or PIL image), from one pass through `model`
    (what `load` gives)."""
    return model.predict_batch([read_rgb(o, max_pixels) for o in images])


def predict(model, image, max_pixels=MAX_PIXELS):
    """The Prediction for one image: a path, bytes or a PIL image in any mode."""
    return predict_batch(model, [image], max_pixels)[0]
