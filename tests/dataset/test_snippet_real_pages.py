"""The snippet on real results pages that other people captured (Google 2019 and 2025, Bing
2026), read in place from ../shared/fixtures/serp: every full-size URL, nothing from the page's
own chrome. Each page is served at its own address; every other request is refused."""

import json
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from lesson2.dataset.snippet import snippet_source

SERP = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "serp"
PAGES = json.loads((SERP / "pages.json").read_text()) if SERP.is_dir() else []
RELOADS = 3  # Bing's script reloads its page once with &first=1...: serve the capture again

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not PAGES, reason=f"no real results pages at {SERP}: ../shared is absent in a user's clone"
    ),
]


@pytest.fixture(scope="module")
def isolated_chromium(launch_chromium):
    """Chromium that resolves no host name at all, so nothing can leave the machine."""
    browser = launch_chromium("--host-resolver-rules=MAP * ~NOTFOUND")
    yield browser
    browser.close()


def serve_capture(page, address, html):
    """Answer the page's own address (and its reloads) with the capture; refuse the rest."""
    own, served = urlsplit(address), []

    def handle(route, request):
        url = urlsplit(request.url)
        if request.resource_type != "document":
            return route.abort()
        if (url.netloc, url.path) == (own.netloc, own.path) and len(served) < RELOADS:
            served.append(request.url)
            return route.fulfill(status=200, body=html, content_type="text/html; charset=utf-8")
        return route.fulfill(status=204, body="")  # stay on the page

    page.route("**/*", handle)


def as_sent(url):
    """The URL as a browser writes it: non-ASCII characters percent-encoded as UTF-8."""
    return re.sub(r"[^\x00-\x7f]+", lambda m: quote(m.group()), url)


def run_snippet(browser, capture):
    """Serve the capture, run the snippet as the console would; (its result, the saved URLs)."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        serve_capture(page, capture["address"], (SERP / capture["file"]).read_bytes())
        page.goto(capture["address"], wait_until="load")
        with page.expect_download(timeout=20_000) as info:
            result = page.evaluate("source => (0, eval)(source)", snippet_source())
        return result, Path(info.value.path()).read_text(encoding="utf-8").split()
    finally:
        context.close()


@pytest.mark.parametrize("capture", PAGES, ids=[p["file"].removesuffix(".html") for p in PAGES])
def test_snippet_saves_every_full_size_url_of_a_real_page(isolated_chromium, capture):
    expected = (SERP / capture["file"].replace(".html", ".expected.txt")).read_text().split()
    result, saved = run_snippet(isolated_chromium, capture)
    assert result["strategy"] == "embedded data", result["counts"]
    assert len(saved) == len(set(saved))
    assert sorted(saved) == sorted(map(as_sent, expected))


def test_the_signed_in_users_avatar_is_never_taken(isolated_chromium):
    """Google's 2019 page carries the account's avatar in the Google bar (#gb) as data-src."""
    capture = next(p for p in PAGES if p["file"].startswith("google_2019"))
    assert b"s48-c/photo.jpg" in (SERP / capture["file"]).read_bytes()  # there to be taken
    _, saved = run_snippet(isolated_chromium, capture)
    assert len(saved) == 100
    assert not [u for u in saved if "googleusercontent.com" in u and u.endswith("photo.jpg")]
