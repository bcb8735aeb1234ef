"""What the training stack and the web app weigh once installed, measured in this environment.

    from lesson2.production.footprint import installed_bytes, closure, footprint
    closure(["onnxruntime"])        # {'onnxruntime', 'numpy', 'protobuf', ...}: with dependencies
    installed_bytes(["fastai"])     # bytes on disk of fastai and everything it installs
    for line in footprint(): print(line)   # torch, its GPU part, a CPU-only estimate, the app

Sizes are the files each installed distribution lists in its RECORD (what `du` counts under
site-packages, without caches). A CUDA build of torch brings NVIDIA's libraries (`nvidia-*`
distributions), triton and GPU code inside torch itself (`torch/lib/*cuda*`, ...): without them
is what a CPU-only build holds, give or take a few MB.
"""

import importlib.metadata as md
import re

from packaging.requirements import InvalidRequirement, Requirement

# app/requirements.txt (tests/production/test_footprint.py keeps them equal)
APP = ("starlette", "uvicorn", "python-multipart", "pillow", "numpy", "onnxruntime")
GPU_DISTS = re.compile(r"^(nvidia-|triton$|cuda-)")  # distributions only a CUDA build installs
GPU_FILES = re.compile(r"torch/lib/.*(cuda|cudnn|nvshmem|nvrtc|nccl|cublas|cusparse)", re.I)


def _norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(names):
    """The normalised names of the installed distributions `names` and all they require
    (environment markers evaluated, extras followed where a requirement asks for them);
    names not installed are skipped."""
    seen, done, todo = set(), set(), [(_norm(n), "") for n in names]
    while todo:
        name, extra = todo.pop()
        if (name, extra) in done:
            continue
        done.add((name, extra))
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen.add(name)
        for line in dist.requires or ():
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                todo += [(_norm(req.name), e) for e in ("", *sorted(req.extras))]
    return seen


def _files(name):
    """[(relative path, bytes)] of the files the installed distribution `name` lists."""
    found = []
    for f in md.distribution(name).files or ():
        path = f.locate()
        if path.is_file():
            found.append((f.as_posix(), path.stat().st_size))
    return found


def installed_bytes(names, skip_dists=None, skip_files=None):
    """Bytes on disk of `names` with their dependencies, less the distributions matching the
    regex `skip_dists` and the files matching `skip_files`."""
    total = 0
    for name in closure(names):
        if skip_dists is not None and skip_dists.search(name):
            continue
        total += sum(n for p, n in _files(name) if not (skip_files and skip_files.search(p)))
    return total


def footprint():
    """Lines a person reads: fastai's stack as installed here, its GPU part, what it would weigh
    with a CPU-only torch, and the web app's requirements."""
    import torch  # only its version and build: the sizes come from the files

    gb = 2**30
    build = f"the CUDA {torch.version.cuda} build" if torch.version.cuda else "a CPU-only build"
    stack = installed_bytes(["fastai"])
    cpu_stack = installed_bytes(["fastai"], GPU_DISTS, GPU_FILES)
    cpu_torch = installed_bytes(["torch"], GPU_DISTS, GPU_FILES)
    app = installed_bytes(APP)
    return [
        f"fastai and all it installs, with torch {torch.__version__.split('+')[0]} as here "
        f"({build}): {stack / gb:.1f} GB",
        f"  of which GPU code (NVIDIA's libraries, triton, torch's CUDA kernels): "
        f"{(stack - cpu_stack) / gb:.1f} GB",
        f"  the same with a CPU-only torch: about {cpu_stack / gb:.1f} GB "
        f"(torch and its own dependencies {cpu_torch / gb:.1f} GB)",
        f"the web app's requirements ({', '.join(APP)}) and theirs: {app / 2**20:.0f} MB",
    ]
