"""The static page: bytes, time to the first answer and per picture in headless Chromium, and
what shrinking the network costs in accuracy and out-of-domain AUROC, in one run.

    .venv/bin/python benchmarks/bench_web.py [--model shapes.pkl] [--pictures 20]

The model is the demo's (notebooks 02 and 04: the offline demo shapes, `plan_for()`), trained
here when no --model is given (a few minutes on 2 cores). Two sites are written with
`lesson2 export --web`: the shipped one (int8 weights, out-of-domain statistics refitted) and
the float32 network as `lesson2 export` writes it (--no-quantize). Each is served by
`python -m http.server` on loopback and loaded in a fresh headless Chromium (Debian's, one
thread: no cross-origin isolation, as on GitHub Pages). Measured: every byte the page loads
(Resource Timing), navigation to the first answer of `window.lesson2.classify` called as soon
as the page's script runs (median of --loads fresh visits), then the median and 90th percentile
of --pictures more pictures one at a time, and the page's answers against `lesson2 predict` on
the same .onnx file.
In Python (onnxruntime): accuracy on notebook 04's validation pictures and on freshly drawn ones,
label agreement, and AUROC against real photos and near-domain shapes, float32 against shipped.
Targets (issue: static web app): page <= 25 MB, first answer <= 3 s, a picture <= 50 ms;
shrinking only if accuracy drops <= 0.5 point and AUROC <= 0.01.
"""

import argparse
import base64
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from lesson2.production.launch import static_in_background

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FIRST = """async (b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  await window.lesson2.classify(new Blob([bytes]));
  return performance.now();  // ms since the navigation started
}"""
EACH = """async (pictures) => {
  const out = [];
  for (const b64 of pictures) {
    const blob = new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]);
    const start = performance.now();
    const answer = await window.lesson2.classify(blob);
    out.push({ms: performance.now() - start, ...answer});
  }
  return out;
}"""
BYTES = """() => [...performance.getEntriesByType("navigation"),
                  ...performance.getEntriesByType("resource")]
                 .reduce((sum, e) => sum + e.encodedBodySize, 0)"""


def b64(data):
    return base64.b64encode(data).decode()


def demo_model(dest):
    """The demo's learner, trained as notebooks 02 and 04 do (plan_for(), demo shapes)."""
    from lesson2.demo.build import build_demo_dataset
    from lesson2.training.train import train

    if (dest / "shapes.pkl").is_file():  # trained by an earlier run with the same --work
        return dest / "shapes.pkl"
    print("no --model: building the demo dataset and training on it ...", flush=True)
    path = build_demo_dataset(dest / "shapes", progress=False)
    return train(path, out=dest / "shapes.pkl", log=lambda *a: None).pkl


def browser_figures(site, pictures, valid, chromium, loads):
    """Page bytes, navigation to first answer (median of `loads` fresh visits), per-picture ms,
    and the page's answers to `valid`."""
    firsts = []
    with static_in_background(site) as url:
        for visit in range(loads):
            context = chromium.new_context()  # an empty cache: a first visit
            page = context.new_page()
            page.goto(url, wait_until="commit")
            page.wait_for_function("() => window.lesson2")
            firsts.append(page.evaluate(FIRST, b64(pictures[0])) / 1000)
            if visit < loads - 1:
                context.close()
        timed = page.evaluate(EACH, [b64(p) for p in pictures[1:]])
        answers = page.evaluate(EACH, [b64(f.read_bytes()) for f in valid])
        loaded = page.evaluate(BYTES)
        context.close()
    ms = [t["ms"] for t in timed]
    return {
        "bytes": loaded,
        "first_s": statistics.median(firsts),
        "firsts": firsts,
        "median_ms": statistics.median(ms),
        "p90_ms": float(np.percentile(ms, 90)),
        "answers": answers,
    }


def python_figures(model_file, valid, fresh, photos, near):
    """Accuracy, labels and out-of-domain figures of one .onnx file, with onnxruntime."""
    from lesson2.production.ood import auroc
    from lesson2_app.model import Model
    from lesson2_app.pictures import read_rgb

    model = Model.load(model_file)
    v, f = model.predict_batch([read_rgb(p) for p in valid]), model.predict_batch(fresh)
    ins = [p.ood_score for p in v]
    photo_scores = [p.ood_score for p in model.predict_batch(photos)]
    near_scores = [p.ood_score for p in model.predict_batch(near)]
    return {
        "acc_valid": np.mean([p.label == x.parent.name for p, x in zip(v, valid, strict=True)]),
        "labels": [p.label for p in v + f],
        "auroc_photos": auroc(ins, photo_scores),
        "auroc_near": auroc(ins, near_scores),
        "flagged": np.mean([not p.in_domain for p in v]),
        "mb": Path(model_file).stat().st_size / 2**20,
    }


def native_ms(model_file, n=50):
    """Median ms of one picture through the same file in Python's onnxruntime, one thread: how
    busy the machine is (3.2 ms for the demo's float32 network on a quiet one, HINTS.md)."""
    from lesson2_app.model import Model

    model = Model.load(model_file, threads=1)
    x = np.zeros((1, 3, *model.recipe.size[::-1]), dtype=np.float32)
    times = []
    for _ in range(n + 5):
        start = time.perf_counter()
        model.scores(x)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times[5:])


def lesson2_predict(model_file, files):
    """`lesson2 predict MODEL FILES --json`, run as a user would."""
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lesson2.cli",
            "predict",
            str(model_file),
            *map(str, files),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="the demo's learner .pkl (default: train it)")
    parser.add_argument("--pictures", type=int, default=20, help="pictures timed after the first")
    parser.add_argument(
        "--loads", type=int, default=3, help="fresh visits timed to the first answer"
    )
    parser.add_argument("--work", type=Path, help="keep model and sites here, for the next run")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from lesson2.demo.outsiders import near_shapes, real_photos
    from lesson2.demo.shapes import SIZE, draw_dataset
    from lesson2.production.runtime import VERSION
    from lesson2.production.web import export_web
    from lesson2.training.data import split_files
    from lesson2.training.plan import plan_for
    from lesson2_app.pictures import read_rgb

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        work = args.work or tmp
        pkl = args.model or demo_model(work)
        plan = plan_for()
        sites = {"shipped (int8)": work / "site", "float32": work / "site32"}
        for (name, site), quantize in zip(sites.items(), (True, False), strict=True):
            if not (site / "model.onnx").is_file():
                export_web(pkl, site, quantize=quantize)
                print(f"wrote the {name} site", flush=True)
        from lesson2.production.inference import load

        data = Path(load(pkl).learn.dls.path)
        _, valid = split_files(data, plan)
        fresh = [
            read_rgb(p)
            for ps in draw_dataset(tmp / "fresh", n_per_class=150, seed=7).values()
            for p in ps
        ]
        photos, near = list(real_photos().values()), [i for _, i in near_shapes(40, SIZE)]
        timing = [
            p.read_bytes()
            for ps in draw_dataset(tmp / "timing", n_per_class=8, seed=3).values()
            for p in ps
        ][: args.pictures + 1]
        py = {
            n: python_figures(s / "model.onnx", valid, fresh, photos, near)
            for n, s in sites.items()
        }
        native = {n: native_ms(s / "model.onnx") for n, s in sites.items()}
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(
                executable_path=shutil.which("chromium"), args=BROWSER_ARGS
            )
            version = chromium.version
            web = {
                n: browser_figures(s, timing, valid, chromium, args.loads) for n, s in sites.items()
            }
            chromium.close()
        expected = {n: lesson2_predict(s / "model.onnx", valid) for n, s in sites.items()}
    report(py, web, expected, native, version, VERSION, len(valid), len(fresh))


def report(py, web, expected, native, chromium, ort_version, n_valid, n_fresh):
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    print(f"\n{machine}, headless Chromium {chromium}, onnxruntime-web {ort_version}, 1 thread")
    print(f"load average {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")
    print(
        f"{'site':<16}{'page MB':>9}{'model MB':>10}{'first s':>9}{'median ms':>11}{'p90 ms':>8}"
        f"{'valid acc':>11}{'AUROC photos':>14}{'AUROC near':>12}{'flagged':>9}{'vs predict':>12}"
    )
    base = py["float32"]
    for name in py:
        p, w = py[name], web[name]
        worst = max(
            abs(got["probs"][k] - want["probs"][k])
            for got, want in zip(w["answers"], expected[name], strict=True)
            for k in want["probs"]
        )
        same = all(
            g["label"] == e["label"] for g, e in zip(w["answers"], expected[name], strict=True)
        )
        p["vs_predict"] = (worst, same)
        print(
            f"{name:<16}{w['bytes'] / 2**20:>9.1f}{p['mb']:>10.1f}{w['first_s']:>9.2f}"
            f"{w['median_ms']:>11.1f}{w['p90_ms']:>8.1f}{100 * p['acc_valid']:>10.1f}%"
            f"{p['auroc_photos']:>14.3f}{p['auroc_near']:>12.3f}{100 * p['flagged']:>8.1f}%"
            f"{worst:>12.1e}"
        )
    for name, ms in native.items():
        print(f"{name}: {ms:.1f} ms a picture in Python's onnxruntime, 1 thread, at the same time")
    ours, theirs = py["shipped (int8)"], base
    agree = np.mean([a == b for a, b in zip(ours["labels"], theirs["labels"], strict=True)])
    print(
        f"labels int8 = float32 on {agree:.1%} of {n_valid} validation + {n_fresh} fresh pictures"
    )
    w = web["shipped (int8)"]
    drop = 100 * (theirs["acc_valid"] - ours["acc_valid"])
    auroc = max(theirs[k] - ours[k] for k in ("auroc_photos", "auroc_near"))
    checks = [
        (f"page {w['bytes'] / 2**20:.1f} MB", "<= 25 MB", w["bytes"] <= 25 * 2**20),
        (f"navigation to first answer {w['first_s']:.2f} s", "<= 3 s", w["first_s"] <= 3),
        (
            f"a picture after the first {w['median_ms']:.1f} ms (median)",
            "<= 50 ms",
            w["median_ms"] <= 50,
        ),
        (f"accuracy drop {drop:.2f} points", "<= 0.5", drop <= 0.5),
        (f"AUROC drop {auroc:.4f}", "<= 0.01", auroc <= 0.01),
        (
            f"page = lesson2 predict: labels {ours['vs_predict'][1]}, probs within "
            f"{ours['vs_predict'][0]:.1e}",
            "<= 1e-2",
            ours["vs_predict"][1] and ours["vs_predict"][0] <= 1e-2,
        ),
    ]
    firsts = ", ".join(f"{s:.2f}" for s in w["firsts"])
    print(f"first answers of the shipped page, each a fresh visit: {firsts} s")
    for text, target, ok in checks:
        print(f"  {text} (target {target}): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
