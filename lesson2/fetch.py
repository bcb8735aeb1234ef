"""Fetching one URL's bytes with hard limits: a total deadline, a byte cap, bounded redirects.

    from lesson2.fetch import fetch, Failed
    data = fetch("https://example.com/bear.jpg", timeout=30, max_bytes=20 * 2**20)

Anything that goes wrong raises `Failed(status, detail)` with a status from STATUSES. A
watchdog shuts the socket at the deadline, so a server that trickles bytes, stalls, or streams
forever costs at most `timeout` seconds. 429 and 5xx answers are retried with backoff,
honouring Retry-After when it fits inside the deadline.
"""

import contextlib
import email.utils
import http.client
import random
import socket
import ssl
import threading
import time
from urllib.parse import urljoin, urlsplit, urlunsplit

STATUSES = (
    "ok",  # a verified image was saved
    "duplicate",  # the same bytes as an image already kept
    "http error",  # the server answered 4xx/5xx, or redirected too often
    "network error",  # no connection, or it broke off
    "timeout",  # the total deadline passed
    "not an image",  # the bytes do not decode as a complete image
    "too large",  # over the byte cap, or too many pixels (decompression bombs)
    "refused",  # not http(s): file:, data:, ftp:, javascript: ...
)
RETRY_CODES = {429, 500, 502, 503, 504}
REDIRECT_CODES = {301, 302, 303, 307, 308}
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) lesson2-downloader/0.1"
CHUNK = 64 * 1024


class Failed(Exception):
    """A URL that did not give an image: `status` is one of STATUSES, `detail` says why."""

    def __init__(self, status, detail):
        super().__init__(f"{status}: {detail}")
        self.status, self.detail = status, detail


def check_scheme(url):
    """Refuse anything but http(s) URLs with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        raise Failed("refused", f"only http and https URLs are downloaded, not {scheme}")
    if not parts.hostname:
        raise Failed("refused", "the URL has no host name")
    return parts


class _Watchdog:
    """Shuts a connection's socket when the deadline passes, waking any blocked read."""

    def __init__(self, conn, seconds):
        self.conn, self.fired = conn, False
        self.timer = threading.Timer(max(seconds, 0), self._fire)
        self.timer.daemon = True

    def _fire(self):
        self.fired = True
        if self.conn.sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to wake
                self.conn.sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()


def _connection(parts, seconds):
    port = parts.port
    if parts.scheme.lower() == "https":
        return http.client.HTTPSConnection(parts.hostname, port, timeout=seconds)
    return http.client.HTTPConnection(parts.hostname, port, timeout=seconds)


def _read_body(resp, max_bytes):
    declared = resp.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise Failed("too large", f"{int(declared):,} bytes declared, the cap is {max_bytes:,}")
    body = bytearray()
    while chunk := resp.read1(CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise Failed("too large", f"more than the {max_bytes:,}-byte cap")
    if resp.length:  # Content-Length promised more than arrived
        raise Failed("network error", f"connection closed after {len(body):,} bytes")
    return bytes(body)


def _retry_after(resp, default):
    value = (resp.getheader("Retry-After") or "").strip()
    if value.isdigit():
        return float(value)
    if value:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    return default


def _get_once(url, deadline, max_bytes):
    """One GET, no redirects followed: returns (status code, headers, body or None)."""
    parts = check_scheme(url)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise Failed("timeout", "the deadline passed before the request was sent")
    conn = _connection(parts, remaining)
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "image/*,*/*;q=0.5",
        "Accept-Encoding": "identity",
    }
    with _Watchdog(conn, remaining) as dog:
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            if resp.status in REDIRECT_CODES or resp.status in RETRY_CODES or resp.status >= 400:
                return resp.status, resp, None
            return resp.status, resp, _read_body(resp, max_bytes)
        except Failed as e:
            if dog.fired and e.status == "network error":
                raise Failed("timeout", "the deadline passed while downloading") from None
            raise
        except TimeoutError:
            raise Failed("timeout", "no answer before the deadline") from None
        except (http.client.HTTPException, ssl.SSLError, OSError) as e:
            if dog.fired:
                raise Failed("timeout", "the deadline passed while downloading") from None
            raise Failed("network error", f"{type(e).__name__}: {e}") from None
        finally:
            conn.close()


def fetch(url, timeout=30.0, max_bytes=20 * 2**20, max_redirects=5, retries=3):
    """The body of `url` as bytes, or raise Failed; `timeout` bounds it all, retries included."""
    started = time.monotonic()
    deadline = started + timeout
    attempt, redirects = 0, 0
    while True:
        code, resp, body = _get_once(url, deadline, max_bytes)
        if body is not None:
            return body
        if code in REDIRECT_CODES:
            location = resp.getheader("Location")
            redirects += 1
            if not location or redirects > max_redirects:
                raise Failed("http error", f"more than {max_redirects} redirects")
            url = urljoin(url, location)
            check_scheme(url)
            continue
        reason = f"HTTP {code} {resp.reason}".strip()
        if code not in RETRY_CODES or attempt >= retries:
            raise Failed("http error", reason + (f" after {attempt + 1} tries" if attempt else ""))
        wait = _retry_after(resp, 0.25 * 2**attempt * (1 + random.random()))
        if time.monotonic() + wait >= deadline:
            raise Failed("http error", f"{reason}; retrying in {wait:g} s would pass the deadline")
        time.sleep(wait)
        attempt += 1
