"""search_images through the real ddgs engines; only the network under them is faked.

ddgs sends its requests through `primp.Client`; FakeWeb stands in for it and answers the way
DuckDuckGo (vqd page, i.js JSON) and Bing (images/async HTML) do, so ddgs's own parsing, paging
and error handling all run. Nothing here may reach the internet: `primp.Client` is replaced in
every test, and any Python socket that connects off this machine fails the test.
"""

import html
import ipaddress
import json
import socket
import warnings

import primp
import pytest
from ddgs.exceptions import RatelimitException

from lesson2.dataset.search import SearchError, search_images, search_to_file
from lesson2.dataset.urlfile import read_urls

QUERY = "grizzly bear"
DDG_PAGE = 100  # results per i.js answer


class Answer:
    """What primp returns: a status, bytes and text."""

    def __init__(self, status_code, text):
        self.status_code, self.text, self.content = status_code, text, text.encode()


class FakeWeb:
    """DuckDuckGo and Bing image search as ddgs sees them, serving `images` in order."""

    def __init__(self):
        self.images = []  # dicts with image, thumbnail, title: one search result each
        self.fail = None  # an exception every request raises
        self.fail_from_offset = None  # (result offset, exception): fail pages from there on
        self.ddg_refuses = False  # DuckDuckGo answers a challenge page without a vqd token
        self.bing_status = 200
        self.requests = []  # (url, params) in the order they came

    def client(self, **kwargs):
        return FakeClient(self)

    def answer(self, url, params):
        self.requests.append((url, dict(params)))
        if self.fail is not None:
            raise self.fail
        if url == "https://duckduckgo.com":
            token = "" if self.ddg_refuses else 'vqd="4-31337"'
            return Answer(200, f"<html><script>{token}</script></html>")
        if url == "https://duckduckgo.com/i.js":
            assert params["vqd"] == "4-31337" and params["q"] == QUERY
            return self._page(int(params.get("s", 0)), DDG_PAGE, self._ddg_json)
        if url == "https://www.bing.com/images/async":
            if self.bing_status != 200:
                return Answer(self.bing_status, "Too Many Requests")
            offset, count = int(params["first"]) - 1, int(params["count"])
            return self._page(offset, count, self._bing_html)
        raise primp.ConnectError(f"FakeWeb does not serve {url}")

    def _page(self, offset, count, render):
        if self.fail_from_offset and offset >= self.fail_from_offset[0]:
            raise self.fail_from_offset[1]
        return Answer(200, render(self.images[offset : offset + count]))

    @staticmethod
    def _ddg_json(items):
        results = [
            {"height": 600, "width": 800, "source": "Bing", "url": "https://pages.example/"} | item
            for item in items
        ]
        return json.dumps({"results": results})

    @staticmethod
    def _bing_html(items):
        rows = []
        for item in items:
            meta = {"murl": item["image"], "turl": item["thumbnail"], "t": item["title"]}
            m = html.escape(json.dumps(meta), quote=True)
            rows.append(
                f'<div><div class="imgpt"><a class="iusc" m="{m}" href="/images/search"></a></div>'
                '<div class="infopt"><a href="https://pages.example/">page</a></div></div>'
            )
        return f"<html><body>{''.join(rows)}</body></html>"


class FakeClient:
    """primp.Client's face: ddgs calls headers_update() and request()."""

    def __init__(self, web):
        self.web = web

    def headers_update(self, headers):
        pass

    def request(self, method, url, params=None, data=None, **kwargs):
        return self.web.answer(url, params or data or {})


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Fail any Python socket that connects to an address that is not this machine."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def is_local(host):
        try:
            return host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:  # a host name other than localhost
            return False

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            assert is_local(address[0]), f"a test tried to reach {address} over the network"

    def guarded_connect(sock, address):
        check(sock, address)
        return connect(sock, address)

    def guarded_connect_ex(sock, address):
        check(sock, address)
        return connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture(autouse=True)
def web(monkeypatch):
    """The fake search engines, installed under ddgs in every test."""
    fake = FakeWeb()
    monkeypatch.setattr(primp, "Client", fake.client)
    return fake


def images(n, start=0):
    return [
        {
            "image": f"https://photos{i % 7}.example/bears/{i}.jpg",
            "thumbnail": f"https://tse{i % 4}.mm.bing.net/th?id=OIP.{i}&pid=Api",
            "title": f"{QUERY} number {i}",
        }
        for i in range(start, start + n)
    ]


def urls_of(items):
    return [item["image"] for item in items]


def search(**kwargs):
    return search_images(QUERY, progress=False, **kwargs)


@pytest.mark.parametrize("backend", ["duckduckgo", "bing"])
def test_returns_the_original_image_urls(web, backend):
    web.images = images(30)
    urls = search(max_images=20, backend=backend)
    assert urls == urls_of(web.images[:20])
    assert not [url for url in urls if "mm.bing.net" in url]


def test_duckduckgo_pages_until_max_images(web):
    web.images = images(250)
    assert search(max_images=150, backend="duckduckgo") == urls_of(web.images[:150])
    offsets = [p.get("s") for url, p in web.requests if url.endswith("i.js")]
    assert offsets == [None, "100"]


def test_bing_pages_until_max_images(web):
    web.images = images(100)
    assert search(max_images=50, backend="bing") == urls_of(web.images[:50])
    assert [p["first"] for _, p in web.requests] == ["1", "36"]


def test_stops_quietly_when_the_engine_runs_out(web):
    web.images = images(40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert search(max_images=100, backend="duckduckgo") == urls_of(web.images)


def test_duplicates_are_dropped_across_results_and_pages(web):
    unique = images(60)
    web.images = unique[:50] + unique[:10] + unique[45:] + unique[:20] * 5
    urls = search(max_images=100, backend="bing")
    # ddgs ranks a page's repeated results first, so only the set and the count are fixed
    assert sorted(urls) == sorted(urls_of(unique))


def test_keeps_http_and_https_only(web):
    web.images = images(3)
    for bad in ["ftp://files.example/bear.jpg", "data:image/png;base64,iVBORw0KGgo=", "", "/x.jpg"]:
        web.images.insert(1, {"image": bad, "thumbnail": "", "title": QUERY})
    web.images.append({"image": "http://plain.example/bear.png", "thumbnail": "", "title": QUERY})
    expected = [*urls_of(images(3)), "http://plain.example/bear.png"]
    assert search(backend="duckduckgo") == expected


def test_auto_backend_uses_whichever_engine_answers(web):
    web.images = images(10)
    assert search(max_images=10) == urls_of(web.images)


@pytest.mark.parametrize(
    ("backend", "setup", "reason"),
    [
        ("duckduckgo", {"fail": primp.TimeoutError("operation timed out")}, "did not answer"),
        ("bing", {"fail": primp.ConnectError("tcp connect error")}, "could not reach"),
        (
            "auto",
            {"fail": primp.DNSError("no records found for duckduckgo.com")},
            "could not reach",
        ),
        ("auto", {"fail": RatelimitException("202 Ratelimit")}, "is rate limiting you"),
        ("duckduckgo", {"ddg_refuses": True}, "refused to start a search"),
        ("bing", {"bing_status": 429}, "no image results came back"),
        ("auto", {}, "no image results came back"),
    ],
)
def test_failures_say_what_happened_and_point_to_the_snippet(web, backend, setup, reason):
    for name, value in setup.items():
        setattr(web, name, value)
    with pytest.raises(SearchError, match=reason) as caught:
        search(backend=backend)
    message = str(caught.value)
    assert message.startswith(f"image search for {QUERY!r} failed: ")
    assert "python -m lesson2.dataset.snippet" in message and "URL file" in message
    assert isinstance(caught.value, RuntimeError) and caught.value.__cause__ is not None


def test_results_without_any_http_url_are_an_error(web):
    web.images = [{"image": "ftp://files.example/bear.jpg", "thumbnail": "", "title": QUERY}]
    with pytest.raises(
        SearchError, match=r"found no http\(s\) image URLs.*lesson2\.dataset\.snippet"
    ):
        search(backend="duckduckgo")


def test_a_failure_after_the_first_page_keeps_what_was_found(web):
    web.images = images(300)
    web.fail_from_offset = (100, primp.TimeoutError("operation timed out"))
    with pytest.warns(RuntimeWarning, match="stopped at page 2: the search engine did not answer"):
        urls = search(max_images=300, backend="duckduckgo")
    assert urls == urls_of(web.images[:100])


@pytest.mark.parametrize(
    ("query", "kwargs", "message"),
    [
        ("  ", {}, "the query is empty"),
        (QUERY, {"max_images": 0}, "max_images must be"),
        (QUERY, {"safesearch": "strict"}, "safesearch must be one of on, moderate, off"),
        (QUERY, {"backend": "google"}, "backend must be one of auto, "),
    ],
)
def test_bad_arguments_fail_before_any_request(web, query, kwargs, message):
    with pytest.raises(ValueError, match=message):
        search_images(query, progress=False, **kwargs)
    assert web.requests == []


def test_search_to_file_names_the_file_after_the_query(web, tmp_path):
    web.images = images(12)
    path = search_to_file(QUERY, tmp_path / "bears", max_images=10, progress=False)
    assert path == tmp_path / "bears" / "urls_grizzly_bear.txt"
    assert read_urls(path) == urls_of(web.images[:10])


def test_search_to_file_writes_the_file_it_is_given(web, tmp_path):
    web.images = images(5)
    path = search_to_file(QUERY, tmp_path / "urls_grizzly.csv", backend="bing", progress=False)
    assert path == tmp_path / "urls_grizzly.csv"
    assert read_urls(path) == urls_of(web.images)


def test_search_to_file_writes_nothing_when_the_search_fails(web, tmp_path):
    web.fail = primp.ConnectError("tcp connect error")
    with pytest.raises(SearchError):
        search_to_file(QUERY, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_the_guard_stops_connections_off_this_machine():
    with pytest.raises(AssertionError, match="tried to reach"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed
    with socket.create_server(("127.0.0.1", 0)) as server:
        socket.create_connection(server.getsockname(), timeout=1).close()
