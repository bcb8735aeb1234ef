"""ONNX Runtime Web, the npm package that runs the model in a visitor's browser: found or fetched.

    from lesson2.production.runtime import find_runtime, copy_runtime
    package = find_runtime()            # a folder holding onnxruntime-web VERSION's files
    copy_runtime(package, "site/ort")   # the two files the page loads, its licence and a note

One version is pinned here and in the checkout's package.json/package-lock.json (a test keeps
them in step). Where it is looked for, in order: $LESSON2_ORT_WEB (an unpacked onnxruntime-web
package folder), the checkout's node_modules/onnxruntime-web (`make web-runtime` runs `npm ci`),
then a cache in the lesson2 data folder. When none has it and `npm` is installed (Colab has it),
`npm pack` fetches the pinned tarball from the npm registry, its sha512 is checked against the
lock file's, and only the files the page needs are kept in the cache.

The page loads only the smallest build that works on any static host: `ort.wasm.bundle.min.mjs`
(the WebAssembly backend, its loader built in) and `ort-wasm-simd-threaded.wasm`. Without
cross-origin isolation (GitHub Pages and most static hosts send no such headers) the browser
gives no SharedArrayBuffer, so the runtime uses one thread and needs no worker. The module is
shipped with a `.js` name: every static server sends that as JavaScript, not all know `.mjs`.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from lesson2.production.graph import ExportError
from lesson2.workspace import data_dir

NAME, VERSION, LICENSE = "onnxruntime-web", "1.30.0", "MIT"
# the npm tarball's sha512, as package-lock.json records it
INTEGRITY = (
    "sha512-q0y+JrrtukXSzsBWEMccVfqX25LRmosXHF+CaRJmg8pZClzcV7svNc4rKY3jL02Vb7QmRMDs1"
    "SigqR4CXAfKYQ=="
)
ENV = "LESSON2_ORT_WEB"  # an unpacked onnxruntime-web package folder to use instead
# what the page loads, {file in the package: name in the site's ort/ folder}
FILES = {
    "dist/ort.wasm.bundle.min.mjs": "ort.wasm.bundle.min.js",
    "dist/ort-wasm-simd-threaded.wasm": "ort-wasm-simd-threaded.wasm",
}
CHECKOUT = Path(__file__).resolve().parents[2] / "node_modules" / NAME  # a checkout's npm ci
# onnxruntime's own LICENSE file (the npm package ships none; its package.json says MIT)
LICENSE_TEXT = """MIT License

Copyright (c) 2018 - present Microsoft Corporation

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


class RuntimeNotFound(ExportError):
    """ONNX Runtime Web is neither here nor fetchable; the message says what to install."""


def cache_dir():
    """Where a fetched copy is kept: <lesson2 data>/cache/onnxruntime-web-VERSION."""
    return data_dir() / "cache" / f"{NAME}-{VERSION}"


def check_package(folder):
    """Why `folder` is not an unpacked onnxruntime-web VERSION with the page's files, or None."""
    folder = Path(folder)
    try:
        version = json.loads((folder / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return f"{folder} holds no onnxruntime-web package.json"
    if version != VERSION:
        return f"{folder} holds onnxruntime-web {version}, and lesson2 needs {VERSION}"
    missing = [f for f in FILES if not (folder / f).is_file()]
    return f"{folder} lacks {', '.join(missing)}" if missing else None


def _tarball_ok(path):
    algorithm, _, expected = INTEGRITY.partition("-")
    digest = hashlib.new(algorithm, Path(path).read_bytes()).digest()
    return base64.b64encode(digest).decode() == expected


def fetch(dest=None, npm=None):
    """`npm pack` the pinned tarball, check its sha512 and keep package.json and FILES in `dest`
    (default: cache_dir()); returns `dest`. Raises RuntimeNotFound without npm."""
    dest = Path(dest or cache_dir())
    npm = npm or shutil.which("npm")
    if npm is None:
        raise RuntimeNotFound(
            f"the static page needs {NAME} {VERSION} (ONNX Runtime Web, from npm), and `npm` is "
            "not installed: install Node.js (Debian/Ubuntu: `apt-get install npm`; Colab has "
            f"it), or run `npm ci` in a lesson2 checkout, or set {ENV} to an unpacked "
            f"{NAME} {VERSION} package folder"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".fetch-") as tmp:
        done = subprocess.run(
            [npm, "pack", f"{NAME}@{VERSION}", "--prefer-offline", "--silent"],
            cwd=tmp,
            capture_output=True,
            text=True,
        )
        tarball = Path(tmp) / f"{NAME}-{VERSION}.tgz"
        if done.returncode != 0 or not tarball.is_file():
            raise RuntimeNotFound(
                f"`npm pack {NAME}@{VERSION}` failed ({done.stderr.strip()[-500:]}): check the "
                f"network, or set {ENV} to an unpacked {NAME} {VERSION} package folder"
            )
        if not _tarball_ok(tarball):
            raise RuntimeNotFound(
                f"the {NAME} {VERSION} tarball npm fetched does not match the pinned sha512: "
                "refusing to ship it (a proxy or registry served other bytes)"
            )
        unpacked = Path(tmp) / "package"
        with tarfile.open(tarball) as tar:
            for name in ("package.json", *FILES):
                (unpacked / name).parent.mkdir(parents=True, exist_ok=True)
                (unpacked / name).write_bytes(tar.extractfile(f"package/{name}").read())
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(unpacked, dest)
    return dest


def find_runtime(fetch_missing=True):
    """The folder of an unpacked onnxruntime-web VERSION: $LESSON2_ORT_WEB, the checkout's
    node_modules, the cache, or (fetch_missing) fetched into the cache with npm."""
    chosen = os.environ.get(ENV)
    if chosen:
        why = check_package(Path(chosen).expanduser())
        if why:
            raise RuntimeNotFound(f"{ENV}: {why}")
        return Path(chosen).expanduser()
    for folder in (CHECKOUT, cache_dir()):
        if check_package(folder) is None:
            return folder
    if not fetch_missing:
        raise RuntimeNotFound(f"{NAME} {VERSION} is not in {CHECKOUT} nor {cache_dir()}")
    return fetch()


def notice():
    """What the site's ort/README.txt says: the runtime's name, version, licence and source."""
    files = "\n".join(f"  {name}  (the package's {src})" for src, name in FILES.items())
    return (
        f"{NAME} {VERSION} (ONNX Runtime Web), licence {LICENSE} (LICENSE.txt), from the npm "
        f"package {NAME}@{VERSION}, integrity {INTEGRITY}.\nFiles:\n{files}\n"
    )


def copy_runtime(package, dest):
    """Copy the page's runtime files from `package` to the folder `dest`, with the licence and a
    note of the version; returns their names."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for src, name in FILES.items():
        shutil.copyfile(Path(package) / src, dest / name)
    (dest / "LICENSE.txt").write_text(LICENSE_TEXT)
    (dest / "README.txt").write_text(notice())
    return [*FILES.values(), "LICENSE.txt", "README.txt"]
