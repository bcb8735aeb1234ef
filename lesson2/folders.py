"""What a dataset folder holds: one visible subfolder of images per class.

    from lesson2.folders import class_folders, image_files
    image_files(path)        # every image under path, dot-folders (.trash, .quarantine) skipped
    class_folders(path)      # the visible subfolders that hold images: one per class

Dot-folders and dot-files are never part of the dataset, as in fastai's `get_image_files`:
that is where the trash, the quarantine and half-written temp files live.
"""

from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"}


def _visible(p, root):
    return not any(part.startswith(".") for part in p.relative_to(root).parts)


def image_files(path):
    """The image files under `path`, sorted, skipping anything hidden."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no dataset folder at {path}: build one first (lesson2 dataset)")
    return sorted(
        p for p in path.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() and _visible(p, path)
    )  # fmt: skip


def class_folders(path):
    """The visible subfolders of `path` that hold images, sorted by name."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"no dataset folder at {path}: build one first (lesson2 dataset)")
    return [
        folder for folder in sorted(path.iterdir())
        if folder.is_dir() and not folder.name.startswith(".")
        and any(f.suffix.lower() in IMAGE_SUFFIXES for f in folder.iterdir())
    ]  # fmt: skip
