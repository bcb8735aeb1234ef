"""`lesson2 dataset`: build a folder of class folders from URL files, searches, or the demo.

lesson2 dataset ~/bears --urls urls_grizzly.csv urls_black.csv urls_teddy.csv
lesson2 dataset ~/bears --search "grizzly=grizzly bear" "black=black bear" --max-images 150
lesson2 dataset ~/.lesson2/shapes --demo        # offline: the messy local demo web
"""

import argparse
import re
import sys
from pathlib import Path

from lesson2.download import download_images, verify_images


def add(sub):
    p = sub.add_parser(
        "dataset",
        help="build an image dataset from URL files, web searches, or the offline demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dest", type=Path, help="the dataset folder; each class gets a subfolder")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--urls",
        nargs="+",
        metavar="FILE",
        help="URL files; the class is the name without 'urls_' (or CLASS=FILE)",
    )
    src.add_argument(
        "--search",
        nargs="+",
        metavar="QUERY",
        help="image searches (needs internet); the class is the query or CLASS=QUERY",
    )
    src.add_argument(
        "--demo",
        action="store_true",
        help="the offline rehearsal: demo shapes from a messy local web",
    )
    p.add_argument("--max-images", type=int, default=100, help="per search (default 100)")
    p.add_argument(
        "--max-size",
        type=int,
        default=None,
        help="longest side in pixels when saved (the lesson used 500)",
    )
    p.add_argument("--workers", type=int, default=64, help="concurrent downloads (default 64)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per URL (default 30)")
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="try again URLs that failed with a timeout or an HTTP/network error",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p  # fmt: skip


def slug(text):
    """A safe folder name from a class name or query: 'Grizzly bear!' -> 'grizzly_bear'."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not name:
        raise ValueError(f"{text!r} gives no usable class name: use CLASS=... to name it")
    return name


def _named(items, default_name):
    """[('grizzly', 'urls_grizzly.csv'), ...] from 'CLASS=VALUE' or bare values."""
    named = []
    for item in items:
        name, sep, value = item.partition("=")
        named.append((slug(name), value) if sep else (slug(default_name(item)), item))
    return named


def _url_files(dest, urls, search, max_images):
    if urls:
        return _named(urls, lambda f: Path(f).stem.removeprefix("urls_"))
    from lesson2.search import search_to_file

    files = []
    for name, query in _named(search, lambda q: q):
        file = dest / f"urls_{name}.csv"
        search_to_file(query, file, max_images=max_images)
        files.append((name, file))
    return files


def run(
    dest,
    *,
    urls=None,
    search=None,
    demo=False,
    max_images=100,
    max_size=None,
    workers=64,
    timeout=30.0,
    retry_failed=False,
    no_progress=False,
):
    """Download URL files or searches into `dest`/<class>/, or build the offline demo there."""
    dest, progress = Path(dest), not no_progress
    try:
        if demo:
            from lesson2.offline import build_demo_dataset, summarize

            path = build_demo_dataset(dest, progress=progress)
            print(summarize(path).to_string())
            return 0
        dest.mkdir(parents=True, exist_ok=True)
        ok = 0
        for name, file in _url_files(dest, urls, search, max_images):
            report = download_images(
                file, dest / name, max_size=max_size, workers=workers,
                timeout=timeout, retry_failed=retry_failed, progress=progress,
            )  # fmt: skip
            ok += report.counts.get("ok", 0)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        print(f"lesson2 dataset: {e}", file=sys.stderr)
        return 2
    for item in verify_images(dest, quarantine=True):
        print(f"quarantined {item.path.name}: {item.reason}")
    if not ok:
        print("no image was downloaded: see manifest.csv in each class folder", file=sys.stderr)
        return 1
    print(f"{dest}: ready for training (one folder per class)")
    return 0
