"""The static web app: one folder that any static host serves, the model running in the browser.

    from lesson2.production.web import export_web
    site = export_web("models/shapes.pkl", "site")            # the learner: exported, shrunk
    site = export_web("shapes.onnx", "site", data="~/bears")  # an export and its pictures
    site = export_web("shapes.onnx", "site", quantize=False)  # as it is (38 MB), no pictures
    # python -m http.server -d site, then open http://127.0.0.1:8000; or publish the folder

The folder: `index.html`, `page.js` and `style.css` (the server app's own, so both pages look
and behave alike), `web.js` (runs the model, `window.lesson2.classify(blob)`), `preprocess.js`,
`model.onnx`, `lesson2-site.json` (labels, preprocessing, threshold, examples, the file list),
`examples/` (validation pictures to try) and `ort/`: ONNX Runtime Web from npm, its licence and
version (`lesson2.production.runtime`). Nothing is fetched from another origin, and the page's
Content-Security-Policy forbids it: the picture never leaves the visitor's device.

**The network.** Shipped as `lesson2 export` writes it, the page would weigh 38 MB (a 24 MB
model, 14 MB of runtime). `quantize` (the default) stores the weights as int8 with a scale per
output channel (`lesson2.production.quantize`) and fits the out-of-domain statistics again on
that network's own features: 6.8 MB. On the demo model: the same labels on 514 of 514 pictures
(validation and freshly drawn ones), validation accuracy 96.9% both, out-of-domain AUROC 1.000
and 1.000 (real photos), 0.957 and 0.958 (near-domain shapes); benchmarks/RESULTS.md.

**Preprocessing.** preprocess.js redoes lesson2_app.preprocess exactly once the picture is
decoded: the crop and pad boxes with the same integer rounding, NumPy's pad modes, Pillow's
resampling arithmetic (every filter but NEAREST, which takes another path in Pillow: such models
are refused here) and the float32 normalisation. From the same RGB pixels the inputs are
identical, bit for bit (tests/production/test_web.py: noise pictures, every method, pad mode and
filter). What can still differ is the decoding, which the browser does. Measured in Chromium 150
by the same test: the demo's JPEGs decode to the very pixels Pillow's libjpeg gives (0 levels
apart), and semi-transparent PNGs blend onto white the same (0 levels; the canvas blends
premultiplied, so 1 level is possible). Other browsers' JPEG decoders (Safari's, Firefox's) may
differ by a level or two, files with an ICC colour profile are read without conversion (as
Pillow reads them), and 16-bit PNGs are brought to 8 bits by the browser's own rounding.
"""

import json
import os
import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

import onnx

from lesson2.production.export import export_onnx, training_pictures
from lesson2.production.graph import ExportError
from lesson2.production.quantize import meta_of, shrink
from lesson2.production.runtime import LICENSE, NAME, VERSION, copy_runtime, find_runtime
from lesson2.training.data import split_files
from lesson2.training.plan import plan_for
from lesson2_app.model import INPUT, OUTPUTS
from lesson2_app.pictures import read_rgb

PAGE = ("web.js", "preprocess.js")  # lesson2/production/site/
SHARED = ("page.js", "style.css")  # the server app's, lesson2_app/static/
SHARED_START = "<!-- shared: from here"  # the part of the app's index.html the site's holds too
SHARED_END = "<!-- shared: end -->"
SLOT = "<!-- shared: lesson2_app"  # where the site's index.html takes it
APP_STATUS = '<p id="status" class="status">No image yet.</p>'  # what the app says at first
SITE_STATUS = '<p id="status" class="status">Loading the model…</p>'  # and the site
MODEL, MANIFEST = "model.onnx", "lesson2-site.json"
EXAMPLES = 3  # validation pictures per class shown to try
EXAMPLE_BYTES = 256 * 1024  # larger examples are shrunk to EXAMPLE_SIDE pixels, as JPEG
EXAMPLE_SIDE = 512
BROWSER_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
RESAMPLING = {"box", "bilinear", "hamming", "bicubic", "lanczos"}  # what preprocess.js does
README = """# An image classifier that runs in the browser

Made by `lesson2 export --web` (fast.ai Lesson 2 companion). Every file here is static: the
model (`model.onnx`) runs in the visitor's browser with ONNX Runtime Web (`ort/`), and the
picture never leaves the device.

Try it: `python -m http.server -d THIS_FOLDER`, then open http://127.0.0.1:8000
(opening index.html as a file does not work: browsers load modules and WebAssembly over HTTP).

Publish it on GitHub Pages: put these files in a repository (at the top, or in `docs/`),
then Settings > Pages > Deploy from a branch, pick the branch and the folder. The page is at
https://USER.github.io/REPOSITORY/ a minute later. Any static host works the same way.

Scripting the page: `await window.lesson2.classify(blob)` gives
`{label, probs, in_domain, ood_score, seconds}`.
"""


def _ours(folder):
    """True when every file in `folder` is listed in its manifest: a site this module wrote."""
    try:
        listed = set(json.loads((folder / MANIFEST).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}
    return found <= listed


def check_dest(dest):
    """`dest` as an absolute Path, or an ExportError if the site may not be written there."""
    dest = Path(dest).expanduser().absolute()
    if dest.exists() and not dest.is_dir():
        raise ExportError(f"{dest} is a file: give the name of a folder for the site")
    if dest.is_dir() and any(dest.iterdir()) and not _ours(dest):
        raise ExportError(
            f"{dest} is not empty and was not written by `lesson2 export --web`: choose a new "
            "folder, or empty this one (a site written before is replaced whole)"
        )
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(
            f"cannot create {dest.parent} ({e.strerror}): choose another place"
        ) from e
    if not os.access(dest.parent, os.W_OK):
        raise ExportError(f"cannot write in {dest.parent}: choose a folder you can write to")
    return dest


def _network(model, data, plan, quantize):
    """(ONNX proto as `lesson2 export` writes it, train files, valid files or Nones)."""
    from lesson2.production.inference import load

    model = Path(model).expanduser()
    if model.suffix == ".pkl":
        learn = load(model).learn  # a ModelFileError says what is wrong with the file
        train, valid = training_pictures(learn, data, plan)
        with tempfile.TemporaryDirectory() as tmp:
            return onnx.load(str(export_onnx(learn, Path(tmp) / MODEL, train, valid))), train, valid
    if model.suffix != ".onnx":
        raise ExportError(f"{model}: expected a learner (.pkl) or the .onnx `lesson2 export` wrote")
    load(model)  # the app's checks: a model, with lesson2's metadata
    if data is None and quantize:
        raise ExportError(
            "shrinking the network fits its out-of-domain statistics again on the training "
            "pictures: pass the folder it was trained on (--data FOLDER), or ship the network "
            "as it is (--no-quantize, a 38 MB page)"
        )
    train, valid = (None, None) if data is None else split_files(Path(data).expanduser(), plan)
    return onnx.load(str(model)), train, valid


def _check_recipe(meta):
    interpolation = meta["preprocess"]["interpolation"]
    if interpolation not in RESAMPLING:
        raise ExportError(
            f"the model resizes with {interpolation!r}, which the page's preprocessing does not "
            f"redo (it has {', '.join(sorted(RESAMPLING))}): train with Resize's default, bilinear"
        )


def _examples(valid, labels, folder, per_class):
    """[{label, url}]: the first `per_class` validation pictures of each class, copied (or
    shrunk, when large or in a format not every browser shows) into `folder`."""
    found = []
    for label in labels:
        mine = sorted(f for f in valid if f.parent.name == label)[:per_class]
        for i, src in enumerate(mine):
            suffix = src.suffix.lower()
            if suffix in BROWSER_SUFFIXES and src.stat().st_size <= EXAMPLE_BYTES:
                name = f"{label}-{i}{suffix}"
                shutil.copyfile(src, folder / name)
            else:
                name = f"{label}-{i}.jpg"
                img = read_rgb(src)
                img.thumbnail((EXAMPLE_SIDE, EXAMPLE_SIDE))
                img.save(folder / name, quality=90)
            found.append({"label": label, "url": f"examples/{name}"})
    return found


def _lines_around(text, marker):
    """(start of the line holding `marker`, start of the line after it) in `text`."""
    at = text.index(marker)
    return text.rindex("\n", 0, at) + 1, text.index("\n", at) + 1


def site_index():
    """The site's index.html: its own head and footer around the server app's page, so that
    both pages have one markup (page.js reads the same elements in both)."""
    app = (files("lesson2_app") / "static" / "index.html").read_text(encoding="utf-8")
    site = (files("lesson2.production") / "site" / "index.html").read_text(encoding="utf-8")
    shared = app[_lines_around(app, SHARED_START)[1] : _lines_around(app, SHARED_END)[0]]
    if APP_STATUS not in shared:
        raise RuntimeError(f"lesson2_app/static/index.html's page has no {APP_STATUS!r}")
    start, end = _lines_around(site, SLOT)
    return site[:start] + shared.replace(APP_STATUS, SITE_STATUS) + site[end:]


def _write(proto, folder, package, valid, examples):
    """Every file of the site, in the empty `folder`."""
    meta = meta_of(proto)
    onnx.save(proto, str(folder / MODEL))
    web, static = files("lesson2.production") / "site", files("lesson2_app") / "static"
    for name in PAGE:
        (folder / name).write_bytes((web / name).read_bytes())
    (folder / "index.html").write_text(site_index(), encoding="utf-8")
    for name in SHARED:
        (folder / name).write_bytes((static / name).read_bytes())
    copy_runtime(package, folder / "ort")
    (folder / "README.md").write_text(README)
    (folder / ".nojekyll").write_text("")  # GitHub Pages: serve the files as they are
    shown = []
    if valid and examples:
        (folder / "examples").mkdir()
        shown = _examples(valid, meta["labels"], folder / "examples", examples)
    listed = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    manifest = {
        "format": 1,
        "model": MODEL,
        "model_bytes": (folder / MODEL).stat().st_size,
        "input": INPUT,
        "outputs": OUTPUTS,
        "lesson2": meta,
        "runtime": {"name": NAME, "version": VERSION, "license": LICENSE},
        "examples": shown,
        "files": sorted([*listed, MANIFEST]),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))


def _put_in_place(tmp, dest):
    """Rename the finished `tmp` to `dest`, replacing what was there (checked by check_dest)."""
    if not dest.exists():
        os.replace(tmp, dest)
        return
    old = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.old-"))
    os.replace(dest, old / "site")
    os.replace(tmp, dest)
    shutil.rmtree(old)


def export_web(model, dest, data=None, plan=None, quantize=True, examples=EXAMPLES):
    """Write the static site for `model` (a .pkl learner, or the .onnx `lesson2 export` wrote)
    to the folder `dest`, atomically; returns its absolute Path.

    `data` is the folder of class folders it was trained on (a .pkl remembers it), split as
    `plan` says (default: as `lesson2 train` split it); `quantize` ships int8 weights with
    out-of-domain statistics fitted again (see the module's docstring); `examples` pictures of
    each class are shown to try."""
    dest = check_dest(dest)
    package = find_runtime()  # before the long part: a missing npm is found out at once
    plan = plan or plan_for("cpu")
    proto, train, valid = _network(model, data, plan, quantize)
    _check_recipe(meta_of(proto))
    if quantize:
        proto = shrink(proto, train, valid)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.tmp-"))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp's folder is private; a web server must read it
        _write(proto, tmp, package, valid, examples)
        _put_in_place(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def describe(site):
    """One line: where the site is, what it weighs, how to try it."""
    site = Path(site)
    sizes = {p: p.stat().st_size for p in site.rglob("*") if p.is_file()}
    model = sizes[site / MODEL] / 2**20
    return (
        f"wrote {site} ({sum(sizes.values()) / 2**20:.1f} MB, the model {model:.1f} MB): try it "
        f"with `python -m http.server -d {site}` and http://127.0.0.1:8000, or publish the folder"
    )
