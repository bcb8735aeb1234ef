"""Download throughput: lesson2's downloader against fastai's `download_images`, in one run.

    .venv/bin/python benchmarks/bench_download.py [--urls 400] [--latency 0.1] [--repeats 3]

Both download the same URLs from a loopback server (in its own process) that waits `latency`
seconds before every answer. Prints images/s for both, the ratio, and our throughput as a
fraction of the concurrency limit (workers / latency), plus how many URLs each left unrecorded.
Targets (issue 2): ratio >= 5x, fraction of the limit >= 0.8, zero unrecorded failures.
"""

import argparse
import multiprocessing as mp
import platform
import statistics
import tempfile
import time
from pathlib import Path

from fastai.vision.utils import download_images as fastai_download_images

from lesson2.dataset.download import download_images
from lesson2.demo.localweb import LocalWeb, jpeg_bytes
from lesson2.demo.shapes import CLASSES, draw


def _serve(n, latency, conn):
    """Child process: serve n distinct small pictures until told to stop."""
    pictures = {f"pic{i}": jpeg_bytes(draw(CLASSES[i % 3], seed=i, size=128)) for i in range(n)}
    with LocalWeb(pictures, latency=latency) as web:
        conn.send(web.port)
        conn.recv()  # block until the parent says stop


def time_ours(urls, dest, workers):
    started = time.perf_counter()
    report = download_images(urls, dest, workers=workers, progress=False, verbose=False)
    seconds = time.perf_counter() - started
    unrecorded = len(urls) - len(report.rows)
    return seconds, report.counts.get("ok", 0), unrecorded


def time_fastai(urls, dest):
    started = time.perf_counter()
    fastai_download_images(dest, urls=urls)  # its defaults: 8 threads, timeout 4 s
    seconds = time.perf_counter() - started
    saved = len(list(Path(dest).iterdir()))
    return seconds, saved, len(urls) - saved  # failures leave no trace: count what is missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per response")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[64, 32, 16],
        help="ours, one run each; the first is the headline (our default: 64)",
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(args.urls, args.latency, child))
    server.start()
    port = parent.recv()
    urls = [f"http://127.0.0.1:{port}/img/pic{i}" for i in range(args.urls)]
    ours, theirs = {w: [] for w in args.workers}, []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            download_images(urls[:8], Path(tmp) / "warm", progress=False, verbose=False)
            for r in range(args.repeats):
                for w in args.workers:
                    ours[w].append(time_ours(urls, Path(tmp) / f"ours{w}-{r}", w))
                theirs.append(time_fastai(urls, Path(tmp) / f"fastai{r}"))
    finally:
        parent.send("stop")
        server.join(timeout=10)
    report(args, ours, theirs)


def report(args, ours, theirs):
    n = args.urls
    theirs_rate = n / statistics.median(s for s, *_ in theirs)
    print(
        f"machine: {platform.machine()}, {mp.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{n} URLs, {args.latency * 1000:.0f} ms latency each, median of {args.repeats} runs")
    print(
        f"{'':12} {'images/s':>9} {'saved':>6} {'unrecorded':>11} {'vs fastai':>10} {'of limit':>9}"
    )
    for w, runs in ours.items():
        rate = n / statistics.median(s for s, *_ in runs)
        limit = w / args.latency
        saved, unrecorded = min(r[1] for r in runs), max(r[2] for r in runs)
        print(
            f"{f'lesson2 x{w}':12} {rate:9.1f} {saved:6d} {unrecorded:11d} "
            f"{rate / theirs_rate:9.2f}x {rate / limit:9.2f}"
        )
    saved, unrecorded = min(r[1] for r in theirs), max(r[2] for r in theirs)
    print(f"{'fastai x8':12} {theirs_rate:9.1f} {saved:6d} {unrecorded:11d}")
    w = args.workers[0]
    rate = n / statistics.median(s for s, *_ in ours[w])
    print(
        f"headline (lesson2 x{w}): {rate / theirs_rate:.2f}x fastai (target >= 5x), "
        f"{rate / (w / args.latency):.2f} of the {w / args.latency:.0f}/s limit (target >= 0.8)"
    )


if __name__ == "__main__":
    main()
