"""Serving: the ONNX app against today's torch app and a bare torch forward pass, in one run.

    .venv/bin/python benchmarks/bench_serve.py [--model shapes.pkl] [--seconds 15] [--clients 16]

Both apps are the same Starlette code (lesson2_app.main: uploads, decoding and micro-batching
in worker threads), each in its own real uvicorn process on loopback, one after the other, with
the same model and images: the ONNX app is `uvicorn --factory lesson2_app.main:create_app` on
the file `lesson2 export` writes (onnxruntime, no torch); the torch app serves the fastai learner
through `lesson2.production.inference.load` (the same calls as the app's Model). For
`--seconds`, `--clients` concurrent clients post pictures in a loop (requests/s, p50, p99); then
one client alone measures a single request's latency, set against the bare torch forward pass
of the same network on the same preprocessed picture with as many threads as one app worker
gets. Cold start is process start to a healthy /api/health;
peak RSS is the server's VmHWM; the app's environment is the installed size of
app/requirements.txt and everything it pulls in.
Targets (issue 9): single request <= 0.7x the bare forward, throughput >= 2x the torch app,
peak RSS < 300 MB, cold start < 2 s, environment < 400 MB.
Without --model, a small model is trained on drawn shapes first (about a minute on 2 cores).
"""

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import httpx
import numpy as np
import torch

from lesson2.production.launch import background, free_port, uvicorn_command
from lesson2_app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# ---- the torch app: the same app code, the learner behind it -----------------------------------


def serve_torch(model, port):
    import uvicorn

    from lesson2.production.inference import load
    from lesson2_app.main import create_app

    settings = Settings(model=model, port=port)
    torch.set_num_threads(settings.threads)
    app = create_app(settings, load(model))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def server(kind, model):
    """(a running server's context manager, its base URL)."""
    port = free_port()
    if kind == "onnx":
        command, env = uvicorn_command(port=port), {"LESSON2_MODEL": str(model)}
    else:
        command, env = (
            [sys.executable, __file__, "--serve-torch", str(model), "--port", str(port)],
            {},
        )
    url = f"http://127.0.0.1:{port}"
    return background(command, f"{url}/api/health", env=env), url


def peak_rss_mb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


# ---- clients ---------------------------------------------------------------------------------


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
        for _ in range(5):
            http.post(url, files={"file": ("a.jpg", image)}).raise_for_status()
        times = []
        for _ in range(n):
            start = time.perf_counter()
            http.post(url, files={"file": ("a.jpg", image)}).raise_for_status()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(kind, model, images, args):
    running, url = server(kind, model)
    start = time.perf_counter()
    with running as proc:
        cold = time.perf_counter() - start
        predict = f"{url}/api/predict"
        asyncio.run(load_test(predict, images, args.clients, 2))  # warm up
        latencies = asyncio.run(load_test(predict, images, args.clients, args.seconds))
        single = single_latency(predict, images[0], args.single)
        rss = peak_rss_mb(proc.pid)
    p50, p99 = np.percentile(latencies, [50, 99])
    return {
        "rps": len(latencies) / args.seconds,
        "p50": p50,
        "p99": p99,
        "single": single,
        "cold": cold,
        "rss": rss,
    }


# ---- the bare forward pass and the app's environment -------------------------------------------


def bare_forward(model, image, n):
    """Median seconds of `learn.model(x)` alone, x already preprocessed, with one app worker's
    threads: the computation the app's single request does, without anything around it."""
    from lesson2.production.inference import load
    from lesson2_app.pictures import read_rgb

    torch.set_num_threads(Settings(model=model).threads)
    learn = load(model).learn
    (xb,) = learn.dls.test_dl([read_rgb(image)], num_workers=0).one_batch()
    xb, net, times = xb.as_subclass(torch.Tensor), learn.model.eval(), []
    with torch.inference_mode():
        for i in range(n + 5):
            start = time.perf_counter()
            net(xb)
            if i >= 5:
                times.append(time.perf_counter() - start)
    return statistics.median(times)


def _needed(requirement):
    """The distribution name of `requirement` if it applies here (markers, no extras), else None."""
    from packaging.requirements import Requirement

    req = Requirement(requirement)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return None
    return re.sub(r"[-_.]+", "-", req.name).lower()


def env_size_mb(requirements=ROOT / "app" / "requirements.txt"):
    """Installed size of the requirements and everything they pull in (from this environment)."""
    lines = [ln.split("#")[0].strip() for ln in requirements.read_text().splitlines()]
    todo, seen, total = [_needed(ln) for ln in lines if ln], set(), 0
    while todo:
        name = todo.pop()
        if name is None or name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        total += sum((f.size or 0) for f in dist.files or [])
        todo += [_needed(r) for r in dist.requires or []]
    return total / 2**20, sorted(seen)


def quick_model(dest):
    from lesson2.demo.shapes import draw_dataset
    from lesson2.production.export import export_learner
    from lesson2.training.data import get_dls
    from lesson2.training.learner import get_learner
    from lesson2.training.plan import plan_for

    print("no --model: training a small one on drawn shapes ...", flush=True)
    draw_dataset(dest / "shapes", n_per_class=40, size=128)
    plan = plan_for("cpu")
    learn = get_learner(get_dls(dest / "shapes", plan, num_workers=0, device="cpu"))
    learn.fine_tune(1)
    return export_learner(learn, dest / "shapes.pkl")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="an exported learner (default: train one)")
    parser.add_argument("--seconds", type=float, default=15, help="load test length per app")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--single", type=int, default=100, help="requests for single latency")
    parser.add_argument("--serve-torch", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_torch:
        return serve_torch(args.serve_torch, args.port)
    from lesson2.demo.shapes import draw_dataset
    from lesson2.production.export import onnx_from_pkl

    env = env_size_mb()
    with tempfile.TemporaryDirectory() as tmp:
        pkl = args.model or quick_model(Path(tmp))
        onnx = onnx_from_pkl(pkl, Path(tmp) / "model.onnx")
        shapes = draw_dataset(Path(tmp) / "bench", n_per_class=8, size=224, seed=99)
        images = [p.read_bytes() for paths in shapes.values() for p in paths]
        results = {"torch": measure("torch", pkl, images, args)}
        results["onnx"] = measure("onnx", onnx, images, args)
        forward = bare_forward(pkl, images[0], args.single)
    report(results, forward, env, args)


def report(results, forward, env, args):
    old, ours = results["torch"], results["onnx"]
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(f"\n{machine}, {args.clients} clients, {args.seconds:g} s each, torch", torch.__version__)
    print(f"load average {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")
    head = f"{'app':<22}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'1 req ms':>10}{'cold s':>8}"
    print(head + f"{'peak RSS MB':>13}")
    for name, r in (("torch app (learner)", old), ("ONNX app", ours)):
        print(
            f"{name:<22}{r['rps']:>8.1f}{1000 * r['p50']:>8.0f}{1000 * r['p99']:>8.0f}"
            f"{1000 * r['single']:>10.1f}{r['cold']:>8.2f}{r['rss']:>13.0f}"
        )
    threads = Settings(model="x").threads
    print(f"bare torch forward: {1000 * forward:.1f} ms ({threads} thread{'s' * (threads > 1)})")
    size, names = env
    rps, single = ours["rps"] / old["rps"], ours["single"] / forward
    checks = [
        (f"single request / bare torch forward = {single:.2f}x", "<= 0.7", single <= 0.7),
        (f"throughput ONNX / torch app = {rps:.2f}x", ">= 2", rps >= 2),
        (f"peak RSS {ours['rss']:.0f} MB", "< 300", ours["rss"] < 300),
        (f"cold start {ours['cold']:.2f} s", "< 2", ours["cold"] < 2),
        (f"app environment {size:.0f} MB ({len(names)} packages)", "< 400", size < 400),
    ]
    for text, target, ok in checks:
        print(f"  {text:<52} target {target:<7} {'met' if ok else 'MISSED'}")
    print("all targets met" if all(ok for *_, ok in checks) else "NOT all targets met")


if __name__ == "__main__":
    main()
