"""A local stand-in for the web: an HTTP server on 127.0.0.1 that serves images and misbehaves.

    from PIL import Image
    from lesson2.demo.localweb import LocalWeb, jpeg_bytes
    with LocalWeb({"cat": jpeg_bytes(Image.new("RGB", (64, 64)))}, latency=0.1) as web:
        web.url("/img/cat")                 # http://127.0.0.1:PORT/img/cat
        web.url("/redirect/3/cat")          # three redirects, then the image

Every misbehaviour the downloader must survive has a route (KEY names a served image):

    /img/KEY             the image                /status/CODE/ANY    that HTTP status
    /slow/SECS/KEY       the image after SECS     /flaky/N/KEY        503 N times, then the image
    /ratelimit/SECS/KEY  429 with Retry-After     /redirect/N/KEY     N redirects, then the image
    /trickle/KEY         one byte every 0.1 s     /stall/KEY          headers, then silence
    /endless             bytes forever            /big/MB             an MB-MiB body
    /html/ANY            an HTML page as jpeg     /truncated/KEY      the first half of the image
    /bomb.png            a decompression bomb     /loop               redirects to itself
    /redirect-file       redirects to file:///etc/passwd
"""

import functools
import io
import sys
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from struct import pack

CHUNK = 64 * 1024


@functools.cache
def bomb_png(side=16_000):
    """A real ~30 KB PNG that decodes to side x side pixels: 256 megapixels of zeros."""
    row = b"\x00" + b"\x00" * (side // 8)  # filter byte + one bit per pixel
    raw = zlib.compress(row * side, 9)

    def chunk(kind, data):
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    header = pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, as real servers send them
    web = None  # the LocalWeb serving this request, set per server class

    def log_message(self, format, *args):
        """Quiet: tests read `hits`, not logs."""

    def setup(self):
        super().setup()
        with self.web.lock:
            self.web.connections += 1

    def do_GET(self):
        web = self.web
        with web.lock:  # the count this request saw: routes read it, never hits[] again
            web.hits[self.path] += 1
            self.hit = web.hits[self.path]
        if web.latency:
            time.sleep(web.latency)
        parts = self.path.split("?")[0].strip("/").split("/")
        route = getattr(self, "route_" + parts[0].replace("-", "_").replace(".", "_"), None)
        if route is None:
            return self.send_body(404, b"no such route", "text/plain")
        try:
            route(*parts[1:])
        except (KeyError, TypeError, ValueError):
            self.send_body(404, b"not found", "text/plain")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up, as downloaders with deadlines do

    # helpers
    def send_body(self, code, body, content_type="image/jpeg", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location, code=302):
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def image(self, key):
        return self.web.image(key)

    # routes
    def route_img(self, key):
        self.send_body(200, self.image(key))

    def route_status(self, code, *_):
        self.send_body(int(code), f"status {code}".encode(), "text/plain")

    def route_slow(self, secs, key):
        self.web.stopping.wait(float(secs))
        self.send_body(200, self.image(key))

    def route_flaky(self, n, key):
        if self.hit <= int(n):
            return self.send_body(503, b"try again", "text/plain", [("Retry-After", "0")])
        self.send_body(200, self.image(key))

    def route_ratelimit(self, secs, key):
        if self.hit == 1:
            return self.send_body(429, b"slow down", "text/plain", [("Retry-After", secs)])
        self.send_body(200, self.image(key))

    def route_redirect(self, n, key):
        n = int(n)
        self.redirect(f"/redirect/{n - 1}/{key}" if n > 1 else f"/img/{key}")

    def route_loop(self):
        self.redirect("/loop")

    def route_redirect_file(self):
        self.redirect("file:///etc/passwd")

    def route_trickle(self, key):
        body = self.image(key)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for i in range(len(body)):
            if self.web.stopping.wait(0.1):
                return
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()

    def route_stall(self, key):
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(self.image(key))))
        self.end_headers()
        self.wfile.flush()
        self.web.stopping.wait(120)

    def route_endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        block = b"\xff" * CHUNK
        while not self.web.stopping.is_set():
            self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))

    def route_big(self, mb):
        size = int(float(mb) * 2**20)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"\x00" * CHUNK
        for start in range(0, size, CHUNK):
            if self.web.stopping.is_set():
                return
            self.wfile.write(block[: min(CHUNK, size - start)])

    def route_html(self, *_):
        page = b"<!doctype html><html><body><h1>Sign in to see this image</h1></body></html>"
        self.send_body(200, page, "image/jpeg")

    def route_truncated(self, key):
        body = self.image(key)
        self.send_body(200, body[: len(body) // 2])

    def route_bomb_png(self):
        self.send_body(200, self.web.bomb, "image/png")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many concurrent downloaders connect at once

    def handle_error(self, request, client_address):
        """Clients hanging up (downloaders enforcing deadlines) are expected: stay quiet."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalWeb:
    """A threaded HTTP server on loopback; `images`: a dict of key -> bytes, or a maker of them."""

    def __init__(self, images, latency=0.0, port=0):
        self.images = images  # key -> bytes, or a callable key -> bytes (rendered on first use)
        self.latency = latency  # seconds added before every answer
        self.hits = Counter()  # path -> number of requests seen
        self.connections = 0  # TCP connections accepted (fewer than hits when kept alive)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._cache = {}
        handler = type("Handler", (_Handler,), {"web": self})
        self.server = _Server(("127.0.0.1", port), handler)  # port 0: any free port
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def bomb(self):
        return bomb_png()

    def image(self, key):
        if key not in self._cache:
            found = self.images(key) if callable(self.images) else self.images[key]
            if found is None:
                raise KeyError(key)
            self._cache[key] = found
        return self._cache[key]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def start(self):
        self._thread.start()
        return self

    def close(self):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


def jpeg_bytes(img, quality=90):
    """Encode a PIL image as JPEG bytes."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()
