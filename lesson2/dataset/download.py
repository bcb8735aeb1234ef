"""Turns URL files into a verified folder of images, recording what became of every URL.

    from lesson2.dataset.download import download_images, verify_images
    report = download_images("urls_grizzly.txt", "bears/grizzly", max_size=500)
    print(report)                      # 97 URLs: ok 91, duplicate 2, http error 3, ...
    reports = download_dataset(find_url_files("bears"), "bears")   # every class at once
    failed = verify_images("bears", quarantine=True)
    summarize("bears")                 # URLs per class and status, from the manifests
    failures("bears")                  # every URL that added no picture, and why

Every URL ends as one row of `dest/manifest.csv` (url, file, status, detail, bytes, sha256,
width, height). Running again resumes: URLs already in the manifest are skipped. Images are
named by their content (`<sha256 prefix>.jpg`), written to a temp file and renamed, and judged by
decoding them with Pillow.
"""

import csv
import hashlib
import io
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from lesson2.atomic import atomic_open, remove_stale, write_bytes
from lesson2.dataset.fetch import FAILURES, ConnectionPool, Failed, fetch
from lesson2.dataset.folders import free_name, image_files, subfolders
from lesson2.dataset.urlfile import read_urls
from lesson2_app.pictures import (
    MAX_PIXELS,
    ImageError,
    ImageTooLarge,
    needs_rewrite,
    open_image,
    to_rgb,
)

STATUSES = (  # every URL ends in one of these, in the manifest
    "ok",  # a verified image was saved
    "duplicate",  # the same bytes as an image already kept
    *FAILURES,  # the fetch failed: http error, network error, timeout, too large, refused
    "not an image",  # the bytes do not decode as a complete image
)
MANIFEST = "manifest.csv"
FIELDS = ("url", "file", "status", "detail", "bytes", "sha256", "width", "height")
TRANSIENT = ("http error", "network error", "timeout")  # worth another try with retry_failed=True
QUARANTINE = ".quarantine"


@dataclass
class Report:
    """What a download run did: counts per status, and the manifest rows behind them."""

    dest: Path
    rows: list = field(default_factory=list)  # one dict per URL, this run's and earlier runs'
    skipped: int = 0  # URLs already done by an earlier run
    seconds: float = 0.0

    @property
    def counts(self):
        counts = Counter(row["status"] for row in self.rows)
        return {s: counts[s] for s in STATUSES if counts[s]}

    @property
    def failures(self):
        return [row for row in self.rows if row["status"] not in ("ok", "duplicate")]

    def __str__(self):
        parts = ", ".join(f"{status} {n}" for status, n in self.counts.items())
        resumed = f" ({self.skipped} done by an earlier run)" if self.skipped else ""
        return f"{self.dest}: {len(self.rows)} URLs{resumed}: {parts or 'nothing to do'}"


def read_manifest(dest):
    """The manifest rows of `dest` keyed by URL ({} when there is none yet)."""
    path = Path(dest) / MANIFEST
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {row["url"]: row for row in csv.DictReader(f)}


def write_manifest(dest, rows):
    """Write the manifest atomically: a crash leaves the old one or the new one, never half."""
    with atomic_open(Path(dest) / MANIFEST, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def _encode(img, data, max_size):
    """The bytes to save: the original when it is already a plain RGB JPEG that fits."""
    small_enough = max_size is None or max(img.size) <= max_size
    if small_enough and not needs_rewrite(img):
        return data, img.size
    rgb = to_rgb(img)
    if not small_enough:
        rgb.thumbnail((max_size, max_size))
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=90)
    return buf.getvalue(), rgb.size


class _Downloader:
    """One run over a list of URLs into `dest`, safe to call from many threads."""

    def __init__(self, dest, known, max_size, max_pixels, fetch_kwargs, pool):
        self.dest, self.max_size, self.max_pixels = dest, max_size, max_pixels
        self.fetch_kwargs, self.pool = fetch_kwargs, pool
        self.lock = threading.Lock()
        # sha256 -> file already kept, from earlier runs, so duplicates span runs
        self.kept = {r["sha256"]: r["file"] for r in known.values() if r["status"] == "ok"}

    def row(self, url, status, detail="", **values):
        return {
            "url": url,
            "status": status,
            "detail": detail,
            "file": "",
            "bytes": "",
            "sha256": "",
            "width": "",
            "height": "",
            **values,
        }

    def claim(self, sha, name):
        """Reserve `name` for these bytes; returns the file that already holds them, if any."""
        with self.lock:
            if sha in self.kept:
                return self.kept[sha]
            self.kept[sha] = name
            return None

    def __call__(self, url):
        try:
            data = fetch(url, pool=self.pool, **self.fetch_kwargs)
        except Failed as e:
            return self.row(url, e.status, e.detail)
        sha = hashlib.sha256(data).hexdigest()
        facts = {"bytes": len(data), "sha256": sha}
        name = f"{sha[:16]}.jpg"  # chosen by us, never taken from the URL
        try:
            img = open_image(data, self.max_pixels)
        except ImageTooLarge as e:
            return self.row(url, "too large", str(e), **facts)
        except ImageError as e:
            return self.row(url, "not an image", str(e), **facts)
        earlier = self.claim(sha, name)
        if earlier is not None:
            return self.row(url, "duplicate", f"same bytes as {earlier}", file=earlier, **facts)
        try:
            body, (width, height) = _encode(img, data, self.max_size)
            write_bytes(self.dest / name, body)
        except BaseException:
            with self.lock:
                self.kept.pop(sha, None)
            raise
        return self.row(url, "ok", file=name, width=width, height=height, **facts)


def download_dataset(url_files, dest, **kwargs):
    """`download_images` for each class of `url_files` ({class: URL file}, as
    `lesson2.dataset.urlfile.find_url_files` gives) into dest/<class>/; returns {class: Report}."""
    return {name: download_images(f, Path(dest) / name, **kwargs) for name, f in url_files.items()}


def _todo(urls, known, retry_failed):
    unique = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    done = {u for u, r in known.items() if not (retry_failed and r["status"] in TRANSIENT)}
    return [u for u in unique if u not in done], unique


def download_images(
    urls_or_file,
    dest,
    max_size=None,  # longest side in pixels when saved; the lesson used 500
    workers=64,  # concurrent downloads: the throughput limit is workers / latency
    timeout=30.0,  # seconds per URL, retries and redirects included
    max_bytes=20 * 2**20,  # bytes per image before it counts as too large
    max_pixels=MAX_PIXELS,  # larger images (decompression bombs) are refused
    max_redirects=5,
    retries=3,  # extra tries after a 429 or 5xx answer
    retry_failed=False,  # also try again URLs that timed out or failed earlier
    progress=True,
    verbose=True,  # print the report at the end
):
    """Download every URL into `dest`; returns a Report and leaves `dest/manifest.csv`."""
    if isinstance(urls_or_file, str | os.PathLike):
        urls = read_urls(urls_or_file, strict=False)  # non-http lines are recorded as refused
    else:
        urls = list(urls_or_file)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    remove_stale(dest)  # temp files of a run that was killed mid-write
    known = read_manifest(dest)
    todo, unique = _todo(urls, known, retry_failed)
    fetch_kwargs = dict(
        timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects, retries=retries
    )
    connections = ConnectionPool()
    download = _Downloader(dest, known, max_size, max_pixels, fetch_kwargs, connections)
    report = Report(dest, skipped=len(unique) - len(todo))
    started, last_save = time.monotonic(), time.monotonic()
    threads = ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo) or 1)))
    try:
        futures = [threads.submit(download, url) for url in todo]
        bar = tqdm(
            total=len(todo), desc=f"downloading to {dest.name}", unit="url", disable=not progress
        )
        with bar:
            for future in as_completed(futures):
                row = future.result()
                known[row["url"]] = row
                bar.update()
                if time.monotonic() - last_save > 2:
                    write_manifest(dest, known.values())
                    last_save = time.monotonic()
    finally:
        threads.shutdown(wait=True, cancel_futures=True)
        connections.close()
        write_manifest(dest, known.values())
    report.rows = [known[u] for u in unique if u in known]
    report.seconds = time.monotonic() - started
    if verbose:
        print(report)
    return report


@dataclass
class BadImage:
    """A file that failed verification, and where it was moved (None when left in place)."""

    path: Path
    reason: str
    moved_to: Path | None = None


def verify_images(path, quarantine=False, max_pixels=MAX_PIXELS):
    """Decode every image file under `path`; return the failures, moved to path/.quarantine/
    (keeping their folders) when `quarantine` is True. Nothing is ever deleted."""
    path = Path(path)
    files = image_files(path)
    bad = []
    for file in files:
        try:
            open_image(file, max_pixels)
        except ImageError as e:
            bad.append(BadImage(file, str(e)))
    if quarantine:
        for item in bad:
            where = path / QUARANTINE / item.path.relative_to(path)
            target = free_name(where.parent, where.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item.path, target)
            item.moved_to = target
    return bad


def summarize(path):
    """A DataFrame of URL counts per class (rows) and status (columns), from the manifests."""
    import pandas as pd

    counts = {}
    for folder in subfolders(path):
        rows = read_manifest(folder).values()
        if rows:
            counts[folder.name] = Counter(row["status"] for row in rows)
    table = pd.DataFrame(counts).T.fillna(0).astype(int)
    return table[[c for c in ("ok", *sorted(set(table.columns) - {"ok"})) if c in table.columns]]


def failures(path):
    """A DataFrame of every URL under `path` that added no picture (a failure or a duplicate),
    from the manifests: class, status, url, and the detail that says why, sorted in that order
    (a manifest lists URLs in the order their downloads finished)."""
    import pandas as pd

    rows = [
        (folder.name, row["status"], row["url"], row["detail"])
        for folder in subfolders(path)
        for row in read_manifest(folder).values()
        if row["status"] != "ok"
    ]
    return pd.DataFrame(sorted(rows), columns=["class", "status", "url", "detail"])
