"""What a dataset folder holds: one visible subfolder of images per class.

    from lesson2.folders import class_files, class_folders, image_files, subfolders
    image_files(path)        # every image under path, dot-folders (.trash, .quarantine) skipped
    class_folders(path)      # the visible subfolders that hold images: one per class
    class_files(folder)      # the images of one class folder
    subfolders(path)         # every visible subfolder, empty ones too
    vocab_with_empty(path)   # their names: every class a picture may be relabelled to
    free_name(folder, name)  # a name in folder that no file has yet (name-1.jpg, name-2.jpg, ...)

Dot-folders and dot-files are never part of the dataset, as in fastai's `get_image_files`:
that is where the trash, the quarantine and half-written temp files live.
"""

from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}


def _visible(p, root):
    return not any(part.startswith(".") for part in p.relative_to(root).parts)


def image_files(path):
    """The image files under `path`, sorted, skipping anything hidden."""
    path = _folder(path)
    return sorted(p for p in path.rglob("*") if _is_image(p) and _visible(p, path))


def _is_image(p):
    return p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".") and p.is_file()


def _folder(path):
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no dataset folder at {path}: build one first (lesson2 dataset)")
    return path


def subfolders(path):
    """The visible subfolders of `path`, sorted by name, whether or not they hold images."""
    return [p for p in sorted(_folder(path).iterdir()) if p.is_dir() and not p.name.startswith(".")]


def class_files(folder):
    """The image files directly inside one class folder, sorted, skipping hidden ones."""
    return sorted(p for p in _folder(folder).iterdir() if _is_image(p))


def class_folders(path):
    """The visible subfolders of `path` that hold images, sorted by name."""
    return [folder for folder in subfolders(path) if any(map(_is_image, folder.iterdir()))]


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
