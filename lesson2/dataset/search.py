"""Image search from Python: the URL list the browser snippet makes, without a browser.

    from lesson2.dataset.search import SearchError, search_images, search_to_file
    urls = search_images("grizzly bear", max_images=100)  # original image URLs, http(s) only
    path = search_to_file("grizzly bear", "data/bears")   # data/bears/urls_grizzly_bear.txt

Built on the `ddgs` library (DuckDuckGo and Bing image search). Search engines rate-limit
scripts: when a search fails, SearchError says what happened, and the browser snippet
(`python -m lesson2.dataset.snippet`) or a URL file you already have is the way on.
"""

import math
import warnings
from pathlib import Path

from ddgs import DDGS
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException
from tqdm.auto import tqdm

from lesson2.dataset.urlfile import SUFFIXES, is_http_url, save_urls, url_file_name

PER_PAGE = 35  # results on one page of the smallest ddgs image backend (Bing's)
SAFESEARCH = ("on", "moderate", "off")
NO_RESULTS = "No results found"  # what ddgs says when every engine answered with nothing
WAY_ON = (
    "Instead, collect URLs in a browser: run the snippet from `python -m "
    "lesson2.dataset.snippet` (or lesson2.dataset.snippet.show_snippet() in a notebook) on an "
    "image results page and use the urls_*.txt file it saves, or use a URL file you already have."
)


class SearchError(RuntimeError):
    """An image search that failed; the message says why and what to do instead."""


def _chain(error):
    """`error`, the errors it wraps (ddgs nests them in args) and their causes."""
    found, todo = [], [error]
    while todo:
        item = todo.pop()
        if isinstance(item, BaseException) and all(item is not seen for seen in found):
            found.append(item)
            todo.extend([item.__cause__, item.__context__, *item.args])
    return found


def _reason(error):
    """What went wrong, in words, judged from a ddgs error and what it wraps."""
    chain = _chain(error)
    names = " ".join(type(item).__name__ for item in chain)
    text = " ".join(str(item) for item in chain)
    if any(isinstance(item, RatelimitException) for item in chain):
        return "the search engine is rate limiting you (wait a few minutes before trying again)"
    if any(isinstance(item, TimeoutException | TimeoutError) for item in chain) or (
        "Timeout" in names
    ):
        return "the search engine did not answer in time"
    if any(name in names for name in ("ConnectError", "DNSError", "ConnectionError", "gaierror")):
        return "could not reach the search engine (is this machine offline?)"
    if "Could not extract vqd" in text:
        return (
            "the search engine refused to start a search, which usually means it is rate "
            "limiting you (wait a few minutes before trying again)"
        )
    if NO_RESULTS in text:
        return (
            "no image results came back: the query matched nothing, or the engines are "
            "quietly rate limiting you (try another query, or again later)"
        )
    return f"the search failed ({type(error).__name__}: {error})"


def _check(query, max_images, safesearch, backend):
    """Fail fast, before any request, on arguments the engines would reject."""
    from ddgs.engines import ENGINES

    if not isinstance(query, str) or not query.strip():
        raise ValueError("the query is empty: say what to search for, e.g. 'grizzly bear'")
    if not isinstance(max_images, int) or max_images < 1:
        raise ValueError(f"max_images must be a whole number of at least 1, not {max_images!r}")
    if safesearch not in SAFESEARCH:
        raise ValueError(f"safesearch must be one of {', '.join(SAFESEARCH)}, not {safesearch!r}")
    backends = ["auto", *ENGINES["images"]]
    if backend not in backends:
        raise ValueError(f"backend must be one of {', '.join(backends)}, not {backend!r}")


def search_images(
    query,
    max_images=100,  # stop once this many different URLs are found
    *,
    region="us-en",  # the engines' region code: us-en, uk-en, de-de, ...
    safesearch="moderate",  # on, moderate or off
    backend="auto",  # "duckduckgo", "bing", or "auto": either, the other as a fallback
    timeout=10,  # seconds per request
    max_pages=None,  # result pages to ask for at most; None: enough for max_images
    progress=True,  # show a progress bar
):
    """Original image URLs for `query`: http(s) only, duplicates dropped, at most max_images."""
    _check(query, max_images, safesearch, backend)
    max_pages = max_pages or math.ceil(max_images / PER_PAGE) + 1
    client = DDGS(timeout=timeout)
    urls = {}  # a dict keeps the engines' order and drops duplicates
    with tqdm(
        total=max_images, desc=f"searching {query!r}", unit="url", disable=not progress
    ) as bar:
        for page in range(1, max_pages + 1):
            try:
                results = client.images(
                    query,
                    region=region,
                    safesearch=safesearch,
                    backend=backend,
                    page=page,
                    max_results=None,
                )
            except DDGSException as error:
                if page == 1:
                    raise SearchError(
                        f"image search for {query!r} failed: {_reason(error)}. {WAY_ON}"
                    ) from error
                if NO_RESULTS not in " ".join(map(str, _chain(error))):
                    warnings.warn(
                        f"image search for {query!r} stopped at page {page}: {_reason(error)}; "
                        f"keeping the {len(urls)} URLs found before that",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                break
            found = len(urls)
            urls.update(
                dict.fromkeys(r["image"] for r in results if is_http_url(r.get("image") or ""))
            )
            bar.update(min(len(urls), max_images) - bar.n)
            if len(urls) == found or len(urls) >= max_images:
                break
    if not urls:
        raise SearchError(f"image search for {query!r} found no http(s) image URLs. {WAY_ON}")
    return list(urls)[:max_images]


def search_to_file(query, dest, max_images=100, **kwargs):
    """Search, then save the URLs to `dest`: a .txt/.csv file, or a folder for urls_<query>.txt."""
    dest = Path(dest)
    path = dest if dest.suffix.lower() in SUFFIXES else dest / url_file_name(query)
    return save_urls(search_images(query, max_images, **kwargs), path)
