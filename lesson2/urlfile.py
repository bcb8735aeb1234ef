"""URL files: one http(s) URL per line, as the browser snippet and `search_to_file` save them.

    from lesson2.urlfile import read_urls, save_urls
    urls = read_urls("urls_grizzly_bear.txt")
    save_urls(urls[:50], "urls_grizzly_small.txt")

Blank lines and `#` comments are skipped. The lesson's `urls_*.csv` files (one URL per line, no
header, or a `url` header) read the same way.
"""

import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from lesson2.atomic import write_text

HEADERS = {"url", "urls"}  # a first line that names the column instead of holding a URL
ALTERNATIVES = (
    "collect URLs in a browser with the snippet (python -m lesson2.snippet) "
    "or search from Python with lesson2.search.search_to_file"
)


def url_file_name(query):
    """urls_<query>.txt, the query reduced to a-z, 0-9 and _ (the same name the snippet uses)."""
    slug = re.sub(r"[^a-z0-9]+", "_", unicodedata.normalize("NFKD", query).lower())
    return f"urls_{slug[:60].strip('_') or 'images'}.txt"


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
