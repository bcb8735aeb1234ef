"""What a dataset folder holds: one visible subfolder of images per class.

    from lesson2.dataset.folders import check_dataset, class_files, class_folders, image_files
    check_dataset(path)      # its image files, or an error saying what the folder lacks
    image_files(path)        # every image under path, dot-folders (.trash, .quarantine) skipped
    is_image_file(p)         # the one test of what counts as a picture, for every step
    class_folders(path)      # the visible subfolders that hold images: one per class
    class_files(folder)      # the images of one class folder
    subfolders(path)         # every visible subfolder, empty ones too
    vocab_with_empty(path)   # their names: every class a picture may be relabelled to
    free_name(folder, name)  # a name in folder that no file has yet (name-1.jpg, name-2.jpg, ...)

Dot-folders and dot-files are never part of the dataset, as in fastai's `get_image_files`:
that is where the trash, the quarantine and half-written temp files live. Training, cleaning,
the gallery and the downloader all list pictures here, so they always see the same files.
"""

from pathlib import Path

# What Pillow decodes and a browser can show; not fastai's mimetypes list, which also takes
# .svg and .ico (no training picture) and misses .jfif (a JPEG by another name).
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jfif", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
HOW = "a folder with one subfolder of pictures per class (e.g. bears/grizzly/*.jpg)"


class DatasetError(ValueError):
    """A dataset folder that cannot be used as it is; the message says what it lacks."""


def _visible(p, root):
    return not any(part.startswith(".") for part in p.relative_to(root).parts)


def image_files(path):
    """The image files under `path`, sorted, skipping anything hidden."""
    path = dataset_folder(path)
    return sorted(p for p in path.rglob("*") if is_image_file(p) and _visible(p, path))


def is_image_file(p):
    """True for a visible file whose suffix is a picture format (see IMAGE_SUFFIXES)."""
    p = Path(p)
    return p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".") and p.is_file()


def dataset_folder(path):
    """`path` as a Path, or FileNotFoundError when there is no folder there."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(
            f"no dataset folder at {path}: pass {HOW}; build one with notebook 01 or "
            "`lesson2 dataset`"
        )
    return path


def check_dataset(path, min_classes=2, empty_ok=True):
    """The image files of the dataset at `path`, or a DatasetError that says what is missing:
    pictures, enough classes with pictures, or (with empty_ok=False) pictures in every class
    folder."""
    files = image_files(path)
    classes = sorted({f.parent.name for f in files if f.parent != Path(path).expanduser()})
    if len(classes) < min_classes:
        found = f"only class {classes[0]!r}" if classes else "no pictures in class subfolders"
        raise DatasetError(f"{path} has {found}: it needs {HOW}, at least {min_classes} classes")
    empty = [f.name for f in subfolders(path) if not any(map(is_image_file, f.rglob("*")))]
    if empty and not empty_ok:
        raise DatasetError(
            f"class folder(s) {', '.join(empty)} of {path} hold no pictures: add pictures to "
            "them, or remove them (a class with no pictures cannot be learnt)"
        )
    return files


def subfolders(path):
    """The visible subfolders of `path`, sorted by name, whether or not they hold images."""
    return [
        p
        for p in sorted(dataset_folder(path).iterdir())
        if p.is_dir() and not p.name.startswith(".")
    ]


def class_files(folder):
    """The image files directly inside one class folder, sorted, skipping hidden ones."""
    return sorted(p for p in dataset_folder(folder).iterdir() if is_image_file(p))


def class_folders(path):
    """The visible subfolders of `path` that hold images, sorted by name."""
    return [folder for folder in subfolders(path) if any(map(is_image_file, folder.iterdir()))]


def vocab_with_empty(path):
    """Every visible subfolder name of `path`, sorted, empty ones too: all valid relabel targets.

    `class_folders` lists only the folders that hold images (what a model trains on); a freshly
    made, still empty folder is a class a picture can be moved into.
    """
    return [folder.name for folder in subfolders(path)]


def free_name(folder, name, taken=()):
    """`folder/name`, or `folder/stem-1.ext`, `-2`, ...: the first neither on disk nor in `taken`.

    `taken` holds paths already promised to other files of the same batch; add the answer to it
    before asking again, so that two files of one batch never get the same name.
    """
    folder, stem, suffix = Path(folder), Path(name).stem, Path(name).suffix
    candidate, n = folder / name, 0
    while candidate in taken or candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate
