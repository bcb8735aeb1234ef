"""The URL-collecting snippet in a real Chromium, on pages shaped like each engine's results
served over real HTTP."""

import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from lesson2.dataset.snippet import (
    bookmarklet,
    bookmarklet_html,
    save_bookmarklet,
    show_snippet,
    snippet_source,
)
from lesson2.dataset.urlfile import class_of, find_url_files, read_urls, url_file_name

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
# Evaluates the snippet the way the console does: as a script, whose value is its last expression.
RUN_AS_SCRIPT = "source => (0, eval)(source)"

# page address -> (file name, strategy, URLs in the saved file)
EXPECTED = {
    "google.html?q=grizzly+bear": (
        "urls_grizzly_bear.txt",
        "embedded data + link parameters",
        [
            "https://www.nps.example/images/grizzly-1.jpg",
            "https://upload.wiki.example/commons/thumb/a/a9/Grizzly_Bear.jpg/1200px-Grizzly_Bear.jpg",
            "https://cdn.photos.example/img?id=77&w=1600",
            "https://bears.example/wp-content/uploads/2019/06/grizzly-cub.jpeg",
            "https://www.fws.example/media/grizzly-sow.jpg",
        ],
    ),
    "bing.html?q=red+fox&form=HDRSC2&first=1": (
        "urls_red_fox.txt",
        "embedded data + link parameters",
        [
            "https://www.foxes.example/images/red-fox-1.jpg",
            "https://cdn.wildlife.example/photos/fox%20in%20snow.jpg",
            "https://img.example.net/get?name=vulpes&size=large",
            "https://fox.example.org/kit.png",
        ],
    ),
    "duckduckgo.html?q=barn+owl&t=h_&iax=images&ia=images": (
        "urls_barn_owl.txt",
        "embedded data + link parameters",
        [
            "https://birds.example/barn-owl-flight.jpg",
            "https://static.owlcam.example/2023/05/owl.webp",
            "https://www.owls.example/photos/barn-owl-1.jpg",
        ],
    ),
    "messy.html?q=messy+page": (
        "urls_messy_page.txt",
        "embedded data + link parameters + data attributes",
        [
            "https://pics.example.org/cat.jpg?a=1&b=2",
            "https://pics.example.org/dog.jpg",
            "https://pics.example.org/horse.jpg",
            "https://lh3.googleusercontent.com/p/AF1Qip=w1200",
            "https://pics.example.org/cow.jpg",
            "https://pics.example.org/goat.jpg",
            "https://pics.example.org/pig.png",
            "https://pics.example.org/bird.jpg?size=L&v=3",
            "https://pics.example.org/fish.jpg",
        ],
    ),
    "thumbnails.html?q=Caf%C3%A9+au+lait%21": (
        "urls_cafe_au_lait.txt",
        "thumbnails",
        [
            "{site}/thumbs/1.jpg",
            "https://encrypted-tbn0.gstatic.com/images?q=tbn:X1&s",
            "{site}/thumbs/2.jpg",
        ],
    ),
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass  # keep pytest's output to the test results


@pytest.fixture(scope="module")
def site():
    """The fixture pages served by a real HTTP server on 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=PAGES))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def offline_page(page):
    """`page` kept off the internet: requests to anything but 127.0.0.1 and files are aborted."""

    def local_only(route):
        url = urlsplit(route.request.url)
        local = url.scheme in ("file", "data", "blob") or url.hostname == "127.0.0.1"
        route.continue_() if local else route.abort()

    page.route("**/*", local_only)
    return page


def expected(address, site):
    name, strategy, urls = EXPECTED[address]
    return name, strategy, [url.format(site=site) for url in urls]


def run_with_download(page, action):
    """Run `action` and return (its value, the download's file name, the saved text)."""
    with page.expect_download(timeout=10_000) as info:
        value = action()
    download = info.value
    return value, download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.parametrize("address", EXPECTED)
def test_snippet_saves_full_size_urls(offline_page, site, address):
    page = offline_page
    page.goto(f"{site}/{address}")
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    name, strategy, urls = expected(address, site)

    result, filename, text = run_with_download(
        page, lambda: page.evaluate(RUN_AS_SCRIPT, snippet_source())
    )

    assert filename == name == result["filename"]
    assert text == "".join(f"{url}\n" for url in urls)
    assert result["urls"] == urls
    assert result["strategy"] == strategy
    assert sum(result["counts"].values()) == len(urls)
    notice = page.locator("#lesson2-notice")
    assert f"saved {len(urls)} image URLs to {name} (from {strategy})" in notice.inner_text()
    assert any(f"saved {len(urls)} image URLs" in message for message in messages)


@pytest.mark.browser
def test_snippet_on_a_page_without_images_says_so_and_saves_nothing(offline_page, site):
    page = offline_page
    page.goto(f"{site}/empty.html?q=nothing")
    downloads = []
    page.on("download", lambda download: downloads.append(download))

    result = page.evaluate(RUN_AS_SCRIPT, snippet_source())
    page.wait_for_timeout(500)  # a download would have started by now

    assert result["urls"] == [] and result["strategy"] == "none" and result["filename"] is None
    assert downloads == []
    assert "found no image URLs" in page.locator("#lesson2-notice").inner_text()


@pytest.mark.browser
def test_collect_image_urls_is_pure(offline_page, site):
    """collectImageUrls(doc) reads a parsed document: no download, no change to the page."""
    page = offline_page
    page.goto(f"{site}/empty.html?q=nothing")
    page.evaluate(RUN_AS_SCRIPT, snippet_source())
    page.evaluate("document.getElementById('lesson2-notice').remove()")  # it goes after 8 s
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page_before = page.content()
    collect = """async address => {
        const html = await (await fetch(address)).text();
        const doc = new DOMParser().parseFromString(html, "text/html");
        return window.lesson2Snippet.collectImageUrls(doc);
    }"""

    for address in EXPECTED:
        _, strategy, urls = expected(address, site)
        result = page.evaluate(collect, address)
        assert (result["urls"], result["strategy"]) == (urls, strategy), address

    page.wait_for_timeout(300)
    assert downloads == []
    assert page.content() == page_before


@pytest.mark.browser
def test_counts_report_what_each_strategy_added(offline_page, site):
    page = offline_page
    page.goto(f"{site}/messy.html?q=messy+page")
    result, _, _ = run_with_download(page, lambda: page.evaluate(RUN_AS_SCRIPT, snippet_source()))
    assert result["counts"] == {"embedded data": 6, "link parameters": 1, "data attributes": 2}


@pytest.mark.browser
def test_bookmarklet_runs_the_same_snippet_when_clicked(offline_page, site):
    page = offline_page
    address = "google.html?q=grizzly+bear"
    page.goto(f"{site}/{address}")
    name, _, urls = expected(address, site)
    add_bookmark = """href => {
        const link = document.createElement("a");
        link.id = "bookmark";
        link.href = href;
        link.textContent = "collect image URLs";
        document.body.prepend(link);
    }"""
    page.evaluate(add_bookmark, bookmarklet())

    _, filename, text = run_with_download(page, lambda: page.click("#bookmark"))

    assert (filename, text.splitlines()) == (name, urls)
    # A bookmarklet that returned a value would have replaced the page with that value.
    assert page.title() == "grizzly bear - Google Search"
    assert page.locator("#islrg").count() == 1


@pytest.mark.browser
def test_bookmarklet_page_link_runs(offline_page, tmp_path):
    page = offline_page
    path = save_bookmarklet(tmp_path / "collect_urls.html")
    page.goto(path.as_uri())

    assert page.get_attribute("#bookmarklet", "href") == bookmarklet()
    page.click("#bookmarklet")
    assert "found no image URLs" in page.locator("#lesson2-notice").inner_text()


@pytest.mark.browser
def test_file_names_match_between_javascript_and_python(offline_page, site):
    page = offline_page
    page.goto(f"{site}/empty.html?q=nothing")
    page.evaluate(RUN_AS_SCRIPT, snippet_source())
    queries = [
        "grizzly bear",
        "  Black Bears!!  ",
        "Café au lait",
        "熊",
        "a/b\\c:d*e",
        "x" * 80,
        "",
    ]
    for query in queries:
        assert page.evaluate("q => lesson2Snippet.fileName(q)", query) == url_file_name(query)


def test_bookmarklet_is_a_javascript_url_without_comments():
    url = bookmarklet()
    code = unquote(url.removeprefix("javascript:"))
    assert url.startswith("javascript:(function(){")
    assert not set(url) & set(' \n"#\\')
    assert "collectImageUrls" in code and "collect_urls.js:" not in code
    assert not [line for line in code.splitlines() if line.startswith(("//", "/*"))]
    assert len(url) < len(snippet_source())


def test_bookmarklet_html_escapes_the_link():
    page = bookmarklet_html('javascript:alert("<b>&")')
    assert 'href="javascript:alert(&quot;&lt;b&gt;&amp;&quot;)"' in page


def test_show_snippet_highlights_the_shipped_source():
    code = show_snippet()
    assert code.data == snippet_source()
    assert "collectImageUrls" in code._repr_html_()


def test_module_prints_snippet_and_writes_bookmarklet(tmp_path):
    printed = subprocess.run(
        [sys.executable, "-m", "lesson2.dataset.snippet"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout == snippet_source()

    out = tmp_path / "page" / "collect_urls.html"
    wrote = subprocess.run(
        [sys.executable, "-m", "lesson2.dataset.snippet", "--bookmarklet", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(out) in wrote.stdout
    assert out.read_text(encoding="utf-8") == bookmarklet_html()


@pytest.mark.browser
def test_the_saved_file_is_a_url_file_the_dataset_step_finds(offline_page, site, tmp_path):
    """What the snippet saves, kept under the name the browser gives it, is found with its class
    (notebook 01 once looked for urls_*.csv only, and found no class in it)."""
    page = offline_page
    address = next(iter(EXPECTED))
    page.goto(f"{site}/{address}")
    with page.expect_download(timeout=10_000) as info:
        page.evaluate(RUN_AS_SCRIPT, snippet_source())
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    ((name, file),) = find_url_files(tmp_path).items()
    assert file == saved and name == class_of(saved) and name
    assert read_urls(file) == expected(address, site)[2]
