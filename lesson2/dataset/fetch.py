"""Fetching one URL's bytes with hard limits: a total deadline, a byte cap, bounded redirects.

    from lesson2.dataset.fetch import fetch, Failed
    data = fetch("https://example.com/bear.jpg", timeout=30, max_bytes=20 * 2**20)

Anything that goes wrong raises `Failed(status, detail)` with a status from FAILURES. A
watchdog shuts the socket at the deadline, so a server that trickles bytes, stalls, or streams
forever costs at most `timeout` seconds. 429 and 5xx answers are retried with backoff,
honouring Retry-After when it fits inside the deadline.
"""

import contextlib
import email.utils
import heapq
import http.client
import random
import socket
import ssl
import threading
import time
from urllib.parse import urljoin, urlsplit, urlunsplit

FAILURES = (
    "http error",  # the server answered 4xx/5xx, or redirected too often
    "network error",  # no connection, or it broke off
    "timeout",  # the total deadline passed
    "too large",  # over the byte cap
    "refused",  # not http(s): file:, data:, ftp:, javascript: ...
)
RETRY_CODES = {429, 500, 502, 503, 504}
REDIRECT_CODES = {301, 302, 303, 307, 308}
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) lesson2-downloader/0.1"
CHUNK = 64 * 1024


class Failed(Exception):
    """A URL that did not give an image: `status` is one of FAILURES, `detail` says why."""

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


class _Watch:
    """One connection under watch: `fired` tells whether its deadline shut it."""

    def __init__(self, conn, deadline):
        self.conn, self.deadline, self.fired, self.done = conn, deadline, False, False

    def __lt__(self, other):
        return self.deadline < other.deadline

    def fire(self):
        self.fired = True
        if self.conn is not None and self.conn.sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to wake
                self.conn.sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One thread that shuts each watched socket when its deadline passes, waking blocked reads."""

    def __init__(self):
        self.heap, self.wakeup = [], threading.Condition()
        self.thread = None

    def _loop(self):
        with self.wakeup:
            while True:
                now = time.monotonic()
                while self.heap and (self.heap[0].done or self.heap[0].deadline <= now):
                    watch = heapq.heappop(self.heap)
                    if not watch.done:
                        watch.fire()
                wait = self.heap[0].deadline - time.monotonic() if self.heap else None
                self.wakeup.wait(wait)

    @contextlib.contextmanager
    def watch(self, conn, seconds):
        watch = _Watch(conn, time.monotonic() + seconds)
        with self.wakeup:
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="watchdog", daemon=True)
                self.thread.start()
            heapq.heappush(self.heap, watch)
            if self.heap[0] is watch:
                self.wakeup.notify()
        try:
            yield watch
        finally:
            watch.done, watch.conn = True, None  # popped lazily by the loop


WATCHDOG = _Watchdog()


class ConnectionPool:
    """Idle kept-alive connections per host, shared by worker threads; closed when the run ends.

    with ConnectionPool() as pool:
        fetch(url, pool=pool)
    """

    def __init__(self):
        self.idle, self.lock = {}, threading.Lock()

    def take(self, key):
        with self.lock:
            conns = self.idle.get(key)
            return conns.pop() if conns else None

    def give(self, key, conn):
        with self.lock:
            self.idle.setdefault(key, []).append(conn)

    def close(self):
        with self.lock:
            for conns in self.idle.values():
                for conn in conns:
                    conn.close()
            self.idle.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _connection(parts, seconds, pool):
    """A kept-alive connection to this host from the pool, or a new one; and whether reused."""
    key = (parts.scheme.lower(), parts.hostname, parts.port)
    conn = pool.take(key) if pool is not None else None
    if conn is not None and conn.sock is not None:
        conn.timeout = seconds
        conn.sock.settimeout(seconds)
        return key, conn, True
    kind = http.client.HTTPSConnection if key[0] == "https" else http.client.HTTPConnection
    return key, kind(parts.hostname, parts.port, timeout=seconds), False


def _keep(key, conn, resp, pool):
    """Give a connection back for the next URL, if there is a pool and the server allows it."""
    if pool is None or resp.will_close or resp.length:
        conn.close()
    else:
        resp.close()  # fully read: frees the connection for the next request, socket stays open
        pool.give(key, conn)


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


HEADERS = {"User-Agent": USER_AGENT, "Accept": "image/*,*/*;q=0.5", "Accept-Encoding": "identity"}


def _get_once(url, deadline, max_bytes, pool):
    """One GET, no redirects followed: returns (status code, response, body or None)."""
    parts = check_scheme(url)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise Failed("timeout", "the deadline passed before the request was sent")
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    key, conn, reused = _connection(parts, remaining, pool)
    with WATCHDOG.watch(conn, remaining) as dog:
        try:
            try:
                conn.request("GET", path, headers=HEADERS)
                resp = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionError):
                if not reused or dog.fired:
                    raise
                conn.close()  # the server closed the idle kept-alive connection: reconnect once
                conn.request("GET", path, headers=HEADERS)
                resp = conn.getresponse()
            if resp.status in REDIRECT_CODES or resp.status in RETRY_CODES or resp.status >= 400:
                conn.close()
                return resp.status, resp, None
            body = _read_body(resp, max_bytes)
            if dog.fired:
                raise Failed("timeout", "the deadline passed while downloading")
            _keep(key, conn, resp, pool)
            return resp.status, resp, body
        except Failed as e:
            conn.close()
            if dog.fired and e.status == "network error":
                raise Failed("timeout", "the deadline passed while downloading") from None
            raise
        except TimeoutError:
            conn.close()
            raise Failed("timeout", "no answer before the deadline") from None
        except (http.client.HTTPException, ssl.SSLError, OSError) as e:
            conn.close()
            if dog.fired:
                raise Failed("timeout", "the deadline passed while downloading") from None
            raise Failed("network error", f"{type(e).__name__}: {e}") from None


def fetch(url, timeout=30.0, max_bytes=20 * 2**20, max_redirects=5, retries=3, pool=None):
    """The body of `url` as bytes, or raise Failed; `timeout` bounds it all, retries included."""
    started = time.monotonic()
    deadline = started + timeout
    attempt, redirects = 0, 0
    while True:
        code, resp, body = _get_once(url, deadline, max_bytes, pool)
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
