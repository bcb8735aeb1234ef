"""The browser snippet that saves image URLs from a results page, and files of URLs.

    from lesson2.snippet import read_urls, save_bookmarklet, save_urls, show_snippet
    show_snippet()                          # in a notebook: the JavaScript to paste in the console
    save_bookmarklet("collect_urls.html")   # open it and drag the link to the bookmarks bar
    urls = read_urls("urls_grizzly_bear.txt")
    save_urls(urls[:50], "urls_grizzly_small.txt")

    python -m lesson2.snippet                                   # prints the snippet
    python -m lesson2.snippet --bookmarklet collect_urls.html   # writes the bookmarklet page

A URL file has one http(s) URL per line; blank lines and `#` comments are skipped. The lesson's
`urls_*.csv` files (one URL per line, no header) read the same way.
"""

import argparse
import html
import re
import sys
import unicodedata
from importlib import resources
from pathlib import Path
from urllib.parse import quote, urlsplit

from lesson2.atomic import atomic_open

SNIPPET = "collect_urls.js"  # in lesson2/js/
HEADERS = {"url", "urls"}  # a first line that names the column instead of holding a URL
ALTERNATIVES = (
    "collect URLs in a browser with the snippet (python -m lesson2.snippet) "
    "or search from Python with lesson2.search.search_to_file"
)


def snippet_source():
    """The JavaScript of the URL-collecting snippet, as shipped inside the package."""
    return resources.files("lesson2").joinpath("js", SNIPPET).read_text(encoding="utf-8")


def show_snippet():
    """The snippet as syntax-highlighted code, for a notebook cell to display."""
    from IPython.display import Code

    return Code(snippet_source(), language="javascript")


def _minify(source):
    """Drop the header comment, comment-only lines, indentation and blank lines.

    Only whole lines go, so strings and regular expressions are never cut: the snippet keeps
    its comments on lines of their own for this reason.
    """
    source = re.sub(r"\A\s*/\*.*?\*/", "", source, flags=re.DOTALL)
    lines = (line.strip() for line in source.splitlines())
    comment = re.compile(r"^(//.*|/\*.*\*/)$")
    return "\n".join(line for line in lines if line and not comment.match(line))


def bookmarklet(source=None):
    """A `javascript:` URL that runs the snippet (or `source`) on the page it is clicked on."""
    body = _minify(snippet_source() if source is None else source)
    # A function body returns undefined, so the browser keeps the page instead of showing a value.
    code = "(function(){\n" + body + "\n})();"
    return "javascript:" + quote(code, safe="()[]{};,.:=+-*/!?&|<>_$'")


def bookmarklet_html(url=None):
    """A small page with the bookmarklet as a link to drag to the bookmarks bar."""
    href = html.escape(url or bookmarklet(), quote=True)
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>lesson2: collect image URLs</title></head>
<body style="font: 16px/1.5 sans-serif; max-width: 40em; margin: 3em auto">
<h1>Collect image URLs</h1>
<p>Drag this link to your bookmarks bar:
<a id="bookmarklet" href="{href}"
   style="padding: 4px 10px; border: 1px solid #888; border-radius: 4px">collect image URLs</a></p>
<ol>
<li>Search Google, Bing or DuckDuckGo Images for one class of your dataset.</li>
<li>Scroll down until enough pictures are loaded.</li>
<li>Click the bookmark: the browser saves <code>urls_&lt;query&gt;.txt</code>,
    one URL per line.</li>
<li>Download the pictures with
    <code>lesson2.download.download_images("urls_&lt;query&gt;.txt", dest)</code>.</li>
</ol>
<p>Clicking the link on this page finds nothing to collect: that is expected.</p>
</body>
</html>
"""


def _write_text(text, path):
    """Write `text` to `path` atomically, with Unix line ends."""
    with atomic_open(path, "w", newline="\n") as f:
        f.write(text)
    return Path(path)


def save_bookmarklet(dest):
    """Write the drag-to-bookmarks page to `dest`; returns its path."""
    return _write_text(bookmarklet_html(), dest)


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
    return _write_text("".join(f"{url}\n" for url in urls), path)


def main(argv=None):
    """`python -m lesson2.snippet`: print the snippet, or write the bookmarklet page."""
    parser = argparse.ArgumentParser(
        prog="python -m lesson2.snippet",
        description="Print the browser snippet that saves image URLs from a results page.",
    )
    parser.add_argument(
        "--bookmarklet",
        metavar="OUT.html",
        type=Path,
        help="write a page with the snippet as a bookmarklet to drag to the bookmarks bar",
    )
    args = parser.parse_args(argv)
    if args.bookmarklet is None:
        print(snippet_source(), end="")
        return 0
    path = save_bookmarklet(args.bookmarklet)
    print(f"wrote {path}: open it in your browser and drag the link to the bookmarks bar")
    return 0


if __name__ == "__main__":
    sys.exit(main())
