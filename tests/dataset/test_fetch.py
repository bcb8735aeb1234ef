"""lesson2.dataset.fetch: one URL against a real local server that misbehaves on purpose; every
failure is a `Failed` with a status and a reason, and nothing can hang past the deadline."""

import time

import pytest
from PIL import Image

from lesson2.dataset.fetch import ConnectionPool, Failed, fetch
from lesson2.demo.localweb import LocalWeb, jpeg_bytes

PICTURE = jpeg_bytes(Image.new("RGB", (32, 32), (200, 30, 30)))


@pytest.fixture(scope="module")
def web():
    with LocalWeb({"pic": PICTURE}) as web:
        yield web


def failure(url, **kwargs):
    with pytest.raises(Failed) as caught:
        fetch(url, **kwargs)
    return caught.value


def test_the_body_comes_back_as_bytes(web):
    assert fetch(web.url("/img/pic")) == PICTURE


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/pic.jpg", "file:///etc/passwd", "data:,x"])
def test_only_http_and_https_are_fetched(url):
    failed = failure(url)
    assert failed.status == "refused" and "http" in failed.detail


def test_redirects_are_followed_but_never_to_another_scheme(web):
    assert fetch(web.url("/redirect/3/pic")) == PICTURE
    assert failure(web.url("/redirect-file")).status == "refused"
    assert "redirects" in failure(web.url("/loop"), max_redirects=2).detail


def test_busy_servers_are_retried_and_errors_say_how_often(web):
    assert fetch(web.url("/flaky/2/pic"), retries=3) == PICTURE
    failed = failure(web.url("/status/503/x"), retries=1)
    assert failed.status == "http error" and "after 2 tries" in failed.detail
    assert "HTTP 404" in failure(web.url("/status/404/x")).detail


def test_a_stalled_or_trickling_server_cannot_outlast_the_deadline(web):
    for path in ("/stall/pic", "/trickle/pic"):
        start = time.monotonic()
        assert failure(web.url(path), timeout=1).status == "timeout"
        assert time.monotonic() - start < 3


def test_bodies_over_the_cap_are_cut_off(web):
    failed = failure(web.url("/endless"), max_bytes=100_000)
    assert failed.status == "too large"


def test_a_pool_keeps_connections_between_urls(web):
    before, pool = web.connections, ConnectionPool()
    try:
        for _ in range(3):
            assert fetch(web.url("/img/pic"), pool=pool) == PICTURE
    finally:
        pool.close()
    assert web.connections - before == 1
