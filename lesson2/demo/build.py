"""The offline rehearsal of building a dataset from the web: no internet needed.

    from lesson2.demo.build import build_demo_dataset, lesson_dataset, open_demo_web
    path = build_demo_dataset()          # ~/.lesson2/shapes/{circle,square,triangle}/*.jpg
    path = lesson_dataset()              # notebook 01's choice (use_dataset), else the demo
    with open_demo_web(path) as web:     # the messy local "web" on its own
        files = web.write_url_files(path)  # path/urls_circle.txt, ... as the snippet saves them

The demo web serves the shapes of `lesson2.demo.shapes` the way the real web serves images: most
URLs work, but some answer 404 or 500, some are slow or stall, some are HTML pages posing as
.jpg, one is truncated, one is a decompression bomb, some redirect, some are the same image under
two URLs, and a few are plainly in the wrong class. `lesson2.demo.planted.planted_files(path)`
says which files are the planted mislabels and near-duplicates, so the cleaner can be checked.
"""

import functools
import json
from pathlib import Path

from PIL import Image

from lesson2.atomic import write_text
from lesson2.dataset.download import download_images, verify_images
from lesson2.dataset.urlfile import url_file_name
from lesson2.demo.localweb import LocalWeb, jpeg_bytes
from lesson2.demo.planted import PLANTED
from lesson2.demo.shapes import CLASSES, draw
from lesson2.workspace import chosen_dataset, data_dir

N_PER_CLASS = 256  # good pictures per class: a fifth of 5 x 256 is 256 validation pictures
MISLABELED_PER_CLASS = 3  # pictures of another class listed under this one
NEAR_DUPLICATES_PER_CLASS = 2  # the same picture again, smaller and re-encoded
SEED_STRIDE = 1_000_003  # a data seed moves every picture's seed this far


def render(key, seed=0):
    """The bytes served for a key: 'circle-7' is a picture, 'circle-7-near' its near-copy.
    `seed` is the data seed: another one draws every picture afresh."""
    label, number, *near = key.split("-")
    if label not in CLASSES or not number.isdigit():
        return None
    img = draw(label, seed=seed * SEED_STRIDE + int(number))
    if near == ["near"]:
        smaller = (img.width * 7 // 8, img.height * 7 // 8)
        return jpeg_bytes(img.resize(smaller, Image.Resampling.BICUBIC), quality=75)
    return jpeg_bytes(img)


def _mess(label, n):
    """The misbehaving URL paths listed under one class, with what a downloader should see."""
    i = CLASSES.index(label)
    mess = [
        f"/status/404/{label}-gone.jpg",  # http error
        f"/status/500/{label}-broken.jpg",  # http error after retries
        f"/html/{label}-login.jpg",  # not an image
        f"/truncated/{label}-{n + 1}",  # not an image
        f"/slow/1/{label}-{n + 2}",  # ok, slowly
        f"/redirect/3/{label}-{n + 3}",  # ok, after a redirect chain
        f"/flaky/2/{label}-{n + 4}",  # ok, after two 503s
        f"/img/{label}-{n // 2}?copy=1",  # duplicate: the same bytes under a second URL
    ]
    if i == 0:
        mess += ["/bomb.png", "/stall/circle-0"]  # too large; timeout
    if i == 1:
        mess += ["data:image/png;base64,iVBORw0KGgo=", "ftp://127.0.0.1/square.jpg"]  # refused
    return mess


class DemoWeb(LocalWeb):
    """The local web of demo shapes, with URL lists per class, messy on purpose."""

    def __init__(self, n_per_class=N_PER_CLASS, latency=0.0, port=0, seed=0):
        super().__init__(functools.partial(render, seed=seed), latency=latency, port=port)
        self.n_per_class, self.seed = n_per_class, seed

    def planted(self):
        """URL paths of the planted mislabels and near-duplicate pairs, per class."""
        n, mislabeled, near = self.n_per_class, {}, {}
        for i, label in enumerate(CLASSES):
            other = CLASSES[(i + 1) % len(CLASSES)]
            mislabeled[label] = [f"/img/{other}-{n + 10 + k}" for k in range(MISLABELED_PER_CLASS)]
            near[label] = [
                (f"/img/{label}-{k * 7}", f"/img/{label}-{k * 7}-near")
                for k in range(NEAR_DUPLICATES_PER_CLASS)
            ]
        return {
            "port": self.port,
            "seed": self.seed,
            "mislabeled": mislabeled,
            "near_duplicates": near,
        }

    def paths(self, label):
        """Every URL path listed for `label`, in a fixed order."""
        planted = self.planted()
        good = [f"/img/{label}-{k}" for k in range(self.n_per_class)]
        near = [pair[1] for pair in planted["near_duplicates"][label]]
        items = good + near + planted["mislabeled"][label]
        for j, messy in enumerate(_mess(label, self.n_per_class)):
            items.insert(7 + j * 11, messy)  # spread the mess through the list
        return items

    def urls(self, label):
        return [p if ":" in p.split("/")[0] else self.url(p) for p in self.paths(label)]

    def write_url_files(self, dest):
        """Write dest/urls_<class>.txt, one URL per line, as the snippet saves them; returns
        {class: path}."""
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        files = {label: dest / url_file_name(label) for label in CLASSES}
        for label, file in files.items():  # kept raw: the refused URLs are part of the rehearsal
            write_text(file, "\n".join(self.urls(label)) + "\n")
        write_text(dest / PLANTED, json.dumps(self.planted(), indent=1))
        return files


def _earlier(dest):
    """The record of an earlier build in `dest`, or {}."""
    try:
        return json.loads((Path(dest) / PLANTED).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def open_demo_web(dest, n_per_class=N_PER_CLASS, seed=0):
    """The demo web for dataset `dest`, on the port of an earlier run so its URLs still match
    the manifests (a re-run resumes); a free port the first time. Use it with `with`."""
    earlier = _earlier(dest)
    if earlier.get("seed", seed) != seed:
        raise ValueError(
            f"{dest} holds the demo drawn with seed {earlier['seed']}, not {seed}: build "
            "this seed in another folder"
        )
    try:
        return DemoWeb(n_per_class, port=earlier.get("port", 0), seed=seed)
    except OSError:
        return DemoWeb(n_per_class, seed=seed)  # that port is taken: start afresh


def build_demo_dataset(
    dest=None, n_per_class=N_PER_CLASS, workers=16, timeout=5.0, progress=True, seed=0
):
    """Run the lesson's whole dataset flow offline; returns the folder of class folders.

    Starts the demo web, writes the URL files, downloads each class, verifies every image
    (quarantining failures), and records the planted problems. A second call resumes. `seed`
    draws another demo of the same kind (the notebooks' claims are checked on several).
    `progress=False` is quiet: no bars and no reports (they stay in each class's manifest.csv)."""
    dest = Path(dest) if dest is not None else data_dir() / "shapes"
    dest.mkdir(parents=True, exist_ok=True)
    with open_demo_web(dest, n_per_class, seed) as web:
        files = web.write_url_files(dest)
        for label, file in files.items():
            download_images(
                file,
                dest / label,
                workers=workers,
                timeout=timeout,
                progress=progress,
                verbose=progress,
            )
    bad = verify_images(dest, quarantine=True)
    for item in bad if progress else ():
        print(f"quarantined {item.path.name}: {item.reason}")
    return dest


def lesson_dataset():
    """The dataset chosen with `lesson2.workspace.use_dataset`, else the offline demo shapes
    (built on first use, quietly): what notebooks 02-04 start from."""
    return chosen_dataset() or build_demo_dataset(progress=False)
