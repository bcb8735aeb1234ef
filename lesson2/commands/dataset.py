"""`lesson2 dataset`: build a folder of class folders from URL files, searches, or the demo.

lesson2 dataset ~/bears --urls urls_grizzly.txt urls_black.txt urls_teddy.txt
lesson2 dataset ~/bears --urls ~/Downloads          # every urls_<class>.txt (or .csv) there
lesson2 dataset ~/bears --search "grizzly=grizzly bear" "black=black bear" --max-images 150
lesson2 dataset ~/.lesson2/shapes --demo        # offline: the messy local demo web
"""

import sys
from pathlib import Path

from lesson2.commands import subcommand


def add(sub):
    p = subcommand(
        sub,
        "dataset",
        "build an image dataset from URL files, web searches, or the offline demo",
        __doc__,
    )
    p.add_argument("dest", type=Path, help="the dataset folder; each class gets a subfolder")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--urls",
        nargs="+",
        metavar="FILE",
        help="URL files (urls_<class>.txt or .csv; or CLASS=FILE), or a folder holding them",
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
    return p


def _class(name):
    from lesson2.dataset.urlfile import slug

    if not slug(name):
        raise ValueError(f"{name!r} gives no usable class name: use CLASS=... to name it")
    return slug(name)


def _url_files(dest, urls, search, max_images):
    """{class: URL file} from the --urls or --search arguments."""
    from lesson2.dataset.urlfile import class_of, find_url_files

    if urls:
        if len(urls) == 1 and Path(urls[0]).is_dir():
            return find_url_files(urls[0])
        pairs = [u.partition("=") for u in urls]
        return {_class(n) if sep else class_of(n): Path(f if sep else n) for n, sep, f in pairs}
    from lesson2.dataset.search import search_to_file
    from lesson2.dataset.urlfile import url_file_name

    files = {}
    for item in search:
        name, sep, query = item.partition("=")
        name, query = (_class(name), query) if sep else (_class(item), item)
        files[name] = search_to_file(query, dest / url_file_name(name), max_images=max_images)
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
    from lesson2.dataset.download import download_dataset, summarize, verify_images

    dest, progress = Path(dest), not no_progress
    try:
        if demo:
            from lesson2.demo.build import build_demo_dataset

            print(summarize(build_demo_dataset(dest, progress=progress)).to_string())
            return 0
        dest.mkdir(parents=True, exist_ok=True)
        reports = download_dataset(
            _url_files(dest, urls, search, max_images),
            dest,
            max_size=max_size,
            workers=workers,
            timeout=timeout,
            retry_failed=retry_failed,
            progress=progress,
        )
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        print(f"lesson2 dataset: {e}", file=sys.stderr)
        return 2
    for item in verify_images(dest, quarantine=True):
        print(f"quarantined {item.path.name}: {item.reason}")
    if not sum(r.counts.get("ok", 0) for r in reports.values()):
        print("no image was downloaded: see manifest.csv in each class folder", file=sys.stderr)
        return 1
    print(f"{dest}: ready for training (one folder per class)")
    return 0
