"""The browser snippet that saves image URLs from a results page, and its bookmarklet.

    from lesson2.dataset.snippet import save_bookmarklet, show_snippet
    show_snippet()                          # in a notebook: the JavaScript to paste in the console
    save_bookmarklet("collect_urls.html")   # open it and drag the link to the bookmarks bar

    python -m lesson2.dataset.snippet                                   # prints the snippet
    python -m lesson2.dataset.snippet --bookmarklet collect_urls.html  # the bookmarklet page

The snippet saves a URL file (`urls_<query>.txt`): `lesson2.dataset.urlfile` reads and writes those.
"""

import argparse
import html
import re
import sys
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from lesson2.atomic import write_text

SNIPPET = "collect_urls.js"  # beside this module


def snippet_source():
    """The JavaScript of the URL-collecting snippet, as shipped inside the package."""
    return resources.files(__package__).joinpath(SNIPPET).read_text(encoding="utf-8")


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
    <code>lesson2.dataset.download.download_images("urls_&lt;query&gt;.txt", dest)</code>.</li>
</ol>
<p>Clicking the link on this page finds nothing to collect: that is expected.</p>
</body>
</html>
"""


def save_bookmarklet(dest):
    """Write the drag-to-bookmarks page to `dest`; returns its path."""
    return write_text(dest, bookmarklet_html())


def main(argv=None):
    """`python -m lesson2.dataset.snippet`: print the snippet, or write the bookmarklet page."""
    parser = argparse.ArgumentParser(
        prog="python -m lesson2.dataset.snippet",
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
