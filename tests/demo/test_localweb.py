"""The local stand-in for the web: routes that misbehave exactly as documented, under load."""

import textwrap
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from lesson2.demo import localweb
from lesson2.demo.localweb import LocalWeb, jpeg_bytes

IMAGE = jpeg_bytes(Image.new("RGB", (8, 8), "red"))


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def test_flaky_fails_exactly_n_times_under_concurrent_requests():
    # latency holds every request between counting it and answering it, so all 12 are counted
    # before any route looks at its count: each must still answer by its own place in line
    with LocalWeb({"cat": IMAGE}, latency=0.2) as web, ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(status, [web.url("/flaky/3/cat")] * 12))
    assert sorted(codes) == [200] * 9 + [503] * 3
    assert web.hits["/flaky/3/cat"] == 12


def test_ratelimit_answers_429_once_then_the_image():
    with LocalWeb({"cat": IMAGE}, latency=0.2) as web, ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(status, [web.url("/ratelimit/0/cat")] * 4))
    assert sorted(codes) == [200, 200, 200, 429]


def test_the_module_docstring_example_runs():
    example = textwrap.dedent(localweb.__doc__.split("\n\n")[1])
    # the example's own lines, then requests while its server is still open
    code = (
        example + "\n    codes = [status(web.url('/img/cat')), status(web.url('/redirect/3/cat'))]"
    )
    scope = {"status": status}
    exec(code, scope)
    assert scope["codes"] == [200, 200]
