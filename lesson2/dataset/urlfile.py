"""URL files: one http(s) URL per line, as the browser snippet and `search_to_file` save them.

    from lesson2.dataset.urlfile import find_url_files, read_urls, save_urls, url_file_name
    urls = read_urls("urls_grizzly_bear.txt")
    save_urls(urls[:50], "urls_grizzly_small.txt")
    url_file_name("Grizzly bear!")    # 'urls_grizzly_bear.txt': the name the snippet saves
    find_url_files("data/bears")      # {'grizzly_bear': Path(.../urls_grizzly_bear.txt), ...}

A URL file is named `urls_<class>.txt`; the lesson's `urls_<class>.csv` (one URL per line, no
header, or a `url` header) works the same. Blank lines and `#` comments are skipped.
"""

import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from lesson2.atomic import write_text

PREFIX = "urls_"  # every URL file's name starts so; what follows is the class
SUFFIXES = (".txt", ".csv")  # the snippet and search_to_file save .txt; the lesson used .csv
HEADERS = {"url", "urls"}  # a first line that names the column instead of holding a URL
ALTERNATIVES = (
    "collect URLs in a browser with the snippet (python -m lesson2.dataset.snippet) "
    "or search from Python with lesson2.dataset.search.search_to_file"
)


def slug(text):
    """`text` reduced to a-z, 0-9 and _, at most 60 characters: 'Grizzly bear!' -> 'grizzly_bear'
    (the snippet's JavaScript does the same); '' when nothing is left."""
    reduced = re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKD", text).lower())
    return reduced[:60].strip("_")


def url_file_name(query):
    """urls_<query>.txt, the name the snippet saves for a search (urls_images.txt for none)."""
    return f"{PREFIX}{slug(query) or 'images'}{SUFFIXES[0]}"


def is_url_file(path):
    """True for a file named like a URL file: urls_<class>.txt or .csv."""
    path = Path(path)
    return path.name.startswith(PREFIX) and path.suffix.lower() in SUFFIXES and path.is_file()


def class_of(path):
    """The class a URL file is for: urls_grizzly_bear.txt -> 'grizzly_bear'."""
    name = slug(Path(path).stem.removeprefix(PREFIX))
    if not name:
        raise ValueError(f"{path} names no class: call it {PREFIX}<class>{SUFFIXES[0]}")
    return name


def find_url_files(folder):
    """{class: URL file} for the URL files in `folder`, or a ValueError that lists what is there
    when none is named urls_<class>.txt (or .csv), or two are for the same class."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder at {folder}: {ALTERNATIVES}, then save them there")
    found = {}
    for path in sorted(p for p in folder.iterdir() if is_url_file(p)):
        other = found.setdefault(class_of(path), path)
        if other != path:
            raise ValueError(
                f"{other.name} and {path.name} are both URL files for class {class_of(path)!r}: "
                "keep one (or merge them)"
            )
    if not found:
        texts = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
        seen = f"it holds {', '.join(texts)}" if texts else "it holds no .txt or .csv file"
        raise ValueError(
            f"no URL file in {folder} ({seen}): name each one {PREFIX}<class>{SUFFIXES[0]}, as "
            f"the snippet saves it, or {ALTERNATIVES}"
        )
    return found


def is_http_url(url):
    """True for an absolute http(s) URL without whitespace (which would break a URL file)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", url)


def read_urls(path, strict=True):
    """The URLs in a URL file, in order, duplicates dropped.

    strict=True refuses a file with lines that are not http(s) URLs, naming them; the
    downloader reads with strict=False, keeps such lines and records each one as refused."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no URL file at {path}: {ALTERNATIVES}, then pass the saved file")
    urls, bad = [], []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        line = raw.strip().strip('"').strip()
        if not line or line.startswith("#") or (not urls and line.lower() in HEADERS):
            continue
        if not is_http_url(line):
            bad.append(lineno)
        if strict is False or is_http_url(line):
            urls.append(line)
    if bad and strict:
        lines = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
        raise ValueError(
            f"{path}: {len(bad)} line(s) are not http(s) URLs (line {lines}). A URL file holds "
            "one http(s) URL per line; blank lines and # comments are skipped: fix or delete them."
        )
    if not urls:
        raise ValueError(f"{path} holds no URLs: {ALTERNATIVES}")
    return list(dict.fromkeys(urls))


def save_urls(urls, path):
    """Write `urls` one per line (duplicates dropped) atomically; returns the path."""
    urls = list(dict.fromkeys(urls))
    bad = [url for url in urls if not isinstance(url, str) or not is_http_url(url)]
    if bad:
        raise ValueError(f"not http(s) URLs, nothing written: {bad[:3]!r}")
    if not urls:
        raise ValueError(f"no URLs to save in {path}: {ALTERNATIVES}")
    return write_text(path, "".join(f"{url}\n" for url in urls))
