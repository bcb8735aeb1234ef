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


def _url_files(args):
    if args.urls:
        return _named(args.urls, lambda f: Path(f).stem.removeprefix("urls_"))
    from lesson2.search import search_to_file

    files = []
    for name, query in _named(args.search, lambda q: q):
        file = args.dest / f"urls_{name}.csv"
        search_to_file(query, file, max_images=args.max_images)
        files.append((name, file))
    return files


def run(args):
    progress = not args.no_progress
    try:
        if args.demo:
            from lesson2.offline import build_demo_dataset, summarize

            path = build_demo_dataset(args.dest, progress=progress)
            print(summarize(path).to_string())
            return 0
        args.dest.mkdir(parents=True, exist_ok=True)
        ok = 0
        for name, file in _url_files(args):
            report = download_images(
                file, args.dest / name, max_size=args.max_size, workers=args.workers,
                timeout=args.timeout, retry_failed=args.retry_failed, progress=progress,
            )  # fmt: skip
            ok += report.counts.get("ok", 0)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        print(f"lesson2 dataset: {e}", file=sys.stderr)
        return 2
    for item in verify_images(args.dest, quarantine=True):
        print(f"quarantined {item.path.name}: {item.reason}")
    if not ok:
        print("no image was downloaded: see manifest.csv in each class folder", file=sys.stderr)
        return 1
    print(f"{args.dest}: ready for training (one folder per class)")
    return 0
