"""Serving throughput and latency: our app against the old starter's way, in one run.

    .venv/bin/python benchmarks/bench_serve.py [--model shapes.pkl] [--seconds 15] [--clients 16]

Each app runs in its own real uvicorn process on loopback, one after the other, with the same
model and the same images. The old starter called `learn.predict` inside its async handler, so
every request waited for every other; ours decodes and predicts in worker threads and batches
requests that arrive together. For `--seconds`, `--clients` concurrent clients post images in a
loop; we print requests/s, p50 and p99 latency for both and the ratios. Then one client alone
measures a single request's latency against the bare model forward pass on the same image.
Targets (issue 5): throughput >= 2x, p99 <= 0.5x, single request <= 1.3x the forward pass.
Without --model, a small model is trained on drawn shapes first (about a minute on 2 cores).
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import torch

from app.settings import Settings
from lesson2.inference import load
from lesson2.launch import background, free_port
from lesson2.pictures import read_rgb
from lesson2.shapes import draw_dataset

# ---- the old starter, as students ran it: predict inside the async handler ------------------


def old_app(model):
    from fastai.vision.core import PILImage
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    learn = load(model)

    async def analyze(request):
        form = await request.form()
        data = await form["file"].read()
        label = learn.predict(PILImage.create(data))[0]  # blocks the event loop
        return JSONResponse({"result": str(label)})

    return Starlette(routes=[Route("/analyze", analyze, methods=["POST"])])


def serve_old(model, port):
    import uvicorn

    uvicorn.run(old_app(model), host="127.0.0.1", port=port, log_level="warning")


# ---- running servers and clients ---------------------------------------------------------------


def server(kind, model):
    """A running server (ours or the old starter's) and the URL to post images to."""
    port = free_port()
    if kind == "ours":
        command = [sys.executable, "-m", "lesson2.cli", "serve", "--model", str(model)]
        command += ["--port", str(port)]
    else:
        command = [sys.executable, __file__, "--serve-old", str(model), "--port", str(port)]
    path = "/api/predict" if kind == "ours" else "/analyze"
    url = f"http://127.0.0.1:{port}"
    return background(command, url, env={"LESSON2_EXAMPLES": ""}), url + path


async def load_test(url, images, clients, seconds):
    """Latencies (s) of every request `clients` concurrent clients finished in `seconds`."""
    latencies, deadline = [], time.perf_counter() + seconds

    async def client(i):
        async with httpx.AsyncClient(timeout=120) as http:
            n = i
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                r = await http.post(url, files={"file": ("a.jpg", images[n % len(images)])})
                r.raise_for_status()
                latencies.append(time.perf_counter() - start)
                n += clients

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies


def single_latency(url, image, n):
    with httpx.Client(timeout=60) as http:
        for _ in range(3):
            http.post(url, files={"file": ("a.jpg", image)}).raise_for_status()
        times = []
        for _ in range(n):
            start = time.perf_counter()
            http.post(url, files={"file": ("a.jpg", image)}).raise_for_status()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_forward(model, image, n):
    """Median seconds of `learn.model(x)` alone, x being the image already preprocessed.

    Torch gets the threads one of the app's workers gets, so both run the same computation."""
    torch.set_num_threads(Settings().torch_threads)
    learn = load(model)
    (xb,) = learn.dls.test_dl([read_rgb(image)], num_workers=0).one_batch()
    xb, net, times = xb.as_subclass(torch.Tensor), learn.model.eval(), []
    with torch.inference_mode():
        for i in range(n + 3):
            start = time.perf_counter()
            net(xb)
            if i >= 3:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def quick_model(dest):
    from lesson2.train import export, get_dls, get_learner

    print("no --model: training a small one on drawn shapes ...", flush=True)
    draw_dataset(dest / "shapes", n_per_class=40, size=128)
    learn = get_learner(get_dls(dest / "shapes", num_workers=0, device="cpu"))
    learn.fine_tune(1)
    return export(learn, dest / "shapes.pkl")


def measure(kind, model, images, args):
    running, url = server(kind, model)
    with running:
        asyncio.run(load_test(url, images, args.clients, 2))  # warm up
        latencies = asyncio.run(load_test(url, images, args.clients, args.seconds))
        single = single_latency(url, images[0], args.single) if kind == "ours" else None
    p50, p99 = np.percentile(latencies, [50, 99])
    return {"rps": len(latencies) / args.seconds, "p50": p50, "p99": p99, "single": single}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="an exported learner (default: train one)")
    parser.add_argument("--seconds", type=float, default=15, help="load test length per app")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--single", type=int, default=50, help="requests for the single latency")
    parser.add_argument("--serve-old", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_old:
        return serve_old(args.serve_old, args.port)
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or quick_model(Path(tmp))
        shapes = draw_dataset(Path(tmp) / "bench", n_per_class=8, size=224, seed=99)
        images = [p.read_bytes() for paths in shapes.values() for p in paths]
        results = {kind: measure(kind, model, images, args) for kind in ("old", "ours")}
        forward = bare_forward(model, images[0], args.single)
    report(results, forward, args)


def report(results, forward, args):
    old, ours = results["old"], results["ours"]
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(f"\n{machine}, {args.clients} clients, {args.seconds:g} s each, torch", torch.__version__)
    print(f"{'app':<34}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}")
    for name, r in (("old starter (predict in handler)", old), ("lesson2 app", ours)):
        print(f"{name:<34}{r['rps']:>12.1f}{1000 * r['p50']:>10.0f}{1000 * r['p99']:>10.0f}")
    rps, p99 = ours["rps"] / old["rps"], ours["p99"] / old["p99"]
    single = ours["single"] / forward
    print(f"\nthroughput ratio {rps:.2f}x (target >= 2)   p99 ratio {p99:.2f}x (target <= 0.5)")
    threads = torch.get_num_threads()
    print(f"single request {1000 * ours['single']:.1f} ms vs bare forward {1000 * forward:.1f} ms "
          f"({threads} torch thread{'s' * (threads > 1)}) "
          f"= {single:.2f}x (target <= 1.3)")  # fmt: skip
    met = rps >= 2 and p99 <= 0.5 and single <= 1.3
    print("all targets met" if met else "NOT all targets met")


if __name__ == "__main__":
    main()
