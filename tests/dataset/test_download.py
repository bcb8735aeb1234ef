"""The downloader against a real local HTTP server that misbehaves on purpose."""

import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from PIL import Image

from lesson2.dataset.download import (
    STATUSES,
    download_images,
    failures,
    read_manifest,
    verify_images,
)
from lesson2.demo.localweb import LocalWeb, jpeg_bytes
from lesson2.demo.shapes import draw


def png_bytes(img):
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def images():
    pics = {f"pic{i}": jpeg_bytes(draw("circle", seed=i, size=96)) for i in range(12)}
    pics["rgba"] = png_bytes(draw("square", seed=1, size=96).convert("RGBA"))
    pics["grey"] = png_bytes(draw("square", seed=2, size=96).convert("L"))
    cmyk = io.BytesIO()
    draw("square", seed=3, size=96).convert("CMYK").save(cmyk, "JPEG")
    pics["cmyk"] = cmyk.getvalue()
    pics["large"] = jpeg_bytes(draw("triangle", seed=4, size=300))
    return pics


@pytest.fixture
def web(images):
    with LocalWeb(images) as web:
        yield web


def fetch_one(web, path, tmp_path, **kwargs):
    """Download one URL path and return its manifest row."""
    kwargs.setdefault("progress", False)
    kwargs.setdefault("verbose", False)
    url = web.url(path) if path.startswith("/") else path
    report = download_images([url], tmp_path / "dest", **kwargs)
    (row,) = report.rows
    assert row["status"] in STATUSES
    return row


def test_ok_saves_verified_image_named_by_content(web, images, tmp_path):
    row = fetch_one(web, "/img/pic0", tmp_path)
    assert row["status"] == "ok", row
    saved = tmp_path / "dest" / row["file"]
    assert row["file"] == hashlib.sha256(images["pic0"]).hexdigest()[:16] + ".jpg"
    assert saved.read_bytes() == images["pic0"]  # a plain RGB JPEG is kept byte for byte
    assert (row["width"], row["height"], row["bytes"]) == (96, 96, len(images["pic0"]))
    manifest = read_manifest(tmp_path / "dest")
    assert manifest[web.url("/img/pic0")]["sha256"] == row["sha256"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://127.0.0.1/x.jpg",
        "javascript:alert(1)",
        "http:///nohost.jpg",
        "no-scheme.jpg",
    ],
)
def test_only_http_and_https_are_fetched(web, tmp_path, url):
    row = fetch_one(web, url, tmp_path)
    assert row["status"] == "refused"
    assert "http" in row["detail"] or "host" in row["detail"]
    assert list((tmp_path / "dest").glob("*.jpg")) == []


def test_redirect_to_a_file_url_is_refused(web, tmp_path):
    row = fetch_one(web, "/redirect-file", tmp_path)
    assert row["status"] == "refused"


def test_http_errors_are_recorded(web, tmp_path):
    row = fetch_one(web, "/status/404/gone.jpg", tmp_path)
    assert (row["status"], row["detail"]) == ("http error", "HTTP 404 Not Found")


def test_server_errors_are_retried_then_recorded(web, tmp_path):
    row = fetch_one(web, "/status/500/broken.jpg", tmp_path, retries=2)
    assert row["status"] == "http error"
    assert "500" in row["detail"] and "3 tries" in row["detail"]
    assert web.hits["/status/500/broken.jpg"] == 3


def test_flaky_server_succeeds_after_retries(web, tmp_path):
    row = fetch_one(web, "/flaky/2/pic1", tmp_path)
    assert row["status"] == "ok"
    assert web.hits["/flaky/2/pic1"] == 3


def test_retry_after_is_honoured(web, tmp_path):
    started = time.monotonic()
    row = fetch_one(web, "/ratelimit/1/pic2", tmp_path)
    assert row["status"] == "ok"
    assert time.monotonic() - started >= 1.0
    assert web.hits["/ratelimit/1/pic2"] == 2


def test_retry_after_past_the_deadline_gives_up_at_once(web, tmp_path):
    started = time.monotonic()
    row = fetch_one(web, "/ratelimit/60/pic3", tmp_path, timeout=5)
    assert row["status"] == "http error"
    assert "429" in row["detail"] and "deadline" in row["detail"]
    assert time.monotonic() - started < 4
    assert web.hits["/ratelimit/60/pic3"] == 1


@pytest.mark.parametrize("path", ["/stall/pic4", "/trickle/pic4", "/slow/30/pic4"])
def test_total_deadline_bounds_stalled_and_trickling_servers(web, tmp_path, path):
    started = time.monotonic()
    row = fetch_one(web, path, tmp_path, timeout=1.5)
    elapsed = time.monotonic() - started
    assert row["status"] == "timeout", row
    assert elapsed < 4, f"a 1.5 s deadline took {elapsed:.1f} s"


def test_endless_stream_hits_the_byte_cap(web, tmp_path):
    row = fetch_one(web, "/endless", tmp_path, max_bytes=2**20)
    assert row["status"] == "too large"
    assert "cap" in row["detail"]


def test_declared_size_over_the_cap_is_not_downloaded(web, tmp_path):
    row = fetch_one(web, "/big/5", tmp_path, max_bytes=2**20)
    assert row["status"] == "too large"
    assert "declared" in row["detail"]


@pytest.mark.parametrize("path", ["/html/photo.jpg", "/truncated/pic5"])
def test_content_is_judged_by_decoding(web, tmp_path, path):
    row = fetch_one(web, path, tmp_path)
    assert row["status"] == "not an image"
    assert list((tmp_path / "dest").glob("*.jpg")) == []


def test_decompression_bomb_is_refused(web, tmp_path):
    row = fetch_one(web, "/bomb.png", tmp_path)
    assert row["status"] == "too large"
    assert "bomb" in row["detail"] or "pixels" in row["detail"]


def test_redirect_chain_is_followed(web, tmp_path):
    row = fetch_one(web, "/redirect/3/pic6", tmp_path)
    assert row["status"] == "ok"


@pytest.mark.parametrize("path", ["/redirect/9/pic6", "/loop"])
def test_redirects_are_bounded(web, tmp_path, path):
    row = fetch_one(web, path, tmp_path, max_redirects=5)
    assert row["status"] == "http error"
    assert "redirects" in row["detail"]


def test_connection_refused_is_a_network_error(tmp_path):
    with LocalWeb({}) as gone:
        url = gone.url("/img/x")
    report = download_images([url], tmp_path, progress=False, verbose=False, timeout=3)
    assert report.rows[0]["status"] == "network error"


def test_same_bytes_are_kept_once_even_across_runs(web, tmp_path):
    urls = [web.url("/img/pic7"), web.url("/img/pic7?copy=1")]
    report = download_images(urls, tmp_path, progress=False, verbose=False)
    kept, copy = sorted(report.rows, key=lambda r: r["status"] != "ok")  # either may win the race
    assert (kept["status"], copy["status"]) == ("ok", "duplicate")
    assert copy["file"] == kept["file"] and kept["file"] in copy["detail"]
    again = download_images([web.url("/redirect/1/pic7")], tmp_path, progress=False, verbose=False)
    assert again.rows[-1]["status"] == "duplicate"
    assert len(list(tmp_path.glob("*.jpg"))) == 1


def test_max_size_resizes_on_save(web, tmp_path):
    row = fetch_one(web, "/img/large", tmp_path, max_size=100)
    assert row["status"] == "ok"
    with Image.open(tmp_path / "dest" / row["file"]) as img:
        assert max(img.size) == 100 and img.mode == "RGB" and img.format == "JPEG"
    assert (int(row["width"]), int(row["height"])) == (100, 100)


@pytest.mark.parametrize("key", ["rgba", "grey", "cmyk"])
def test_everything_is_saved_as_rgb_jpeg(web, tmp_path, key):
    row = fetch_one(web, f"/img/{key}", tmp_path)
    assert row["status"] == "ok"
    with Image.open(tmp_path / "dest" / row["file"]) as img:
        assert (img.mode, img.format) == ("RGB", "JPEG")


def test_file_names_never_come_from_the_url(web, tmp_path):
    dest = tmp_path / "dest"
    urls = [web.url("/img/pic8?name=../../escape.jpg"), web.url("/img/pic9#/../../x.jpg")]
    download_images(urls, dest, progress=False, verbose=False)
    names = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert all((len(n) == 20 and n.endswith(".jpg")) or n == "manifest.csv" for n in names), names
    assert all(p.parent == dest for p in tmp_path.rglob("*") if p.is_file())


def test_rerun_resumes_and_skips_done_urls(web, tmp_path):
    urls = [web.url(f"/img/pic{i}") for i in range(4)] + [web.url("/status/404/x.jpg")]
    first = download_images(urls, tmp_path, progress=False, verbose=False)
    assert first.counts == {"ok": 4, "http error": 1}
    hits = sum(web.hits.values())
    second = download_images(urls, tmp_path, progress=False, verbose=False)
    assert second.skipped == 5 and second.counts == first.counts
    assert sum(web.hits.values()) == hits  # nothing fetched again
    download_images(urls, tmp_path, progress=False, verbose=False, retry_failed=True)
    assert sum(web.hits.values()) == hits + 1  # only the failed URL is tried again


def test_report_counts_every_url_and_prints(web, tmp_path, capsys):
    urls = [web.url("/img/pic10"), web.url("/html/a.jpg"), "ftp://x/y.jpg", web.url("/img/pic10")]
    report = download_images(urls, tmp_path, progress=False)
    assert report.counts == {"ok": 1, "not an image": 1, "refused": 1}
    assert len(report.failures) == 2
    assert "ok 1" in capsys.readouterr().out
    assert [row["status"] for row in report.rows] == ["ok", "not an image", "refused"]


def test_failures_lists_every_url_that_added_no_picture_with_the_whole_reason(web, tmp_path):
    urls = [web.url("/img/pic9"), web.url("/status/404/a.jpg"), web.url("/img/pic9?again")]
    download_images(urls, tmp_path / "circle", progress=False, verbose=False)
    download_images(["ftp://x/y.jpg"], tmp_path / "square", progress=False, verbose=False)
    table = failures(tmp_path)
    assert list(table.columns) == ["class", "status", "url", "detail"]
    rows = {(c, status): (url, detail) for c, status, url, detail in table.values.tolist()}
    assert sorted(rows) == [
        ("circle", "duplicate"),
        ("circle", "http error"),
        ("square", "refused"),
    ]
    assert rows["circle", "http error"] == (urls[1], "HTTP 404 Not Found")
    assert rows["circle", "duplicate"][1].startswith("same bytes as ")  # one of the two pic9 URLs
    assert rows["square", "refused"][1] == "only http and https URLs are downloaded, not ftp"


def test_url_file_input(web, tmp_path):
    file = tmp_path / "urls_circle.csv"
    lines = [web.url("/img/pic11"), "", "# a comment", web.url("/img/pic0"), "ftp://x/y.jpg"]
    file.write_text("\n".join(lines))
    report = download_images(file, tmp_path / "circle", progress=False, verbose=False)
    assert report.counts == {"ok": 2, "refused": 1}


KILLED_RUN = textwrap.dedent("""
    import sys
    from lesson2.dataset.download import download_images
    urls = [sys.argv[2] + f"/slow/0.3/pic{i % 12}?n={i}" for i in range(200)]
    download_images(urls, sys.argv[1], workers=4, progress=False, verbose=False)
""")


@pytest.mark.slow
def test_killed_run_leaves_no_half_written_image_and_resumes(web, tmp_path):
    dest = tmp_path / "dest"
    base = web.url("").rstrip("/")
    child = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(dest), base])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (dest / "manifest.csv").exists():
        time.sleep(0.2)
    time.sleep(1.0)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    for image in dest.glob("*.jpg"):
        Image.open(image).load()  # every visible image is whole
    done = len(read_manifest(dest))
    assert 0 < done < 200
    urls = [f"{base}/slow/0.3/pic{i % 12}?n={i}" for i in range(200)]
    report = download_images(urls, dest, workers=32, progress=False, verbose=False)
    assert report.skipped >= done and len(report.rows) == 200
    assert report.counts["ok"] == 12 and report.counts["duplicate"] == 188
    assert not list(dest.glob(".tmp-*")), "stale temp files are cleaned on the next run"


def test_verify_images_finds_and_quarantines_bad_files(images, tmp_path):
    good = tmp_path / "circle" / "good.jpg"
    good.parent.mkdir()
    good.write_bytes(images["pic0"])
    (tmp_path / "circle" / "half.jpg").write_bytes(images["pic1"][:300])
    (tmp_path / "circle" / "page.jpg").write_bytes(b"<html>login</html>")
    (tmp_path / "square").mkdir()
    (tmp_path / "square" / "half.jpg").write_bytes(images["pic2"][:300])
    (tmp_path / "notes.txt").write_text("not checked: not an image suffix")
    bad = verify_images(tmp_path)
    assert sorted(b.path.relative_to(tmp_path).as_posix() for b in bad) == [
        "circle/half.jpg",
        "circle/page.jpg",
        "square/half.jpg",
    ]
    assert all(b.moved_to is None and b.path.exists() for b in bad)
    moved = verify_images(tmp_path, quarantine=True)
    quarantined = {m.moved_to.relative_to(tmp_path / ".quarantine").as_posix() for m in moved}
    assert quarantined == {"circle/half.jpg", "circle/page.jpg", "square/half.jpg"}
    assert good.exists() and verify_images(tmp_path) == []  # quarantine is not checked again


def test_verify_images_never_overwrites_in_quarantine(images, tmp_path):
    for _ in range(2):
        (tmp_path / "a").mkdir(exist_ok=True)
        (tmp_path / "a" / "x.jpg").write_bytes(b"not an image")
        verify_images(tmp_path, quarantine=True)
    assert sorted(p.name for p in (tmp_path / ".quarantine" / "a").iterdir()) == [
        "x-1.jpg",
        "x.jpg",
    ]


def test_verify_images_on_a_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="no dataset folder at"):
        verify_images(tmp_path / "nope")


def test_dest_gets_only_images_and_the_manifest(web, tmp_path):
    download_images([web.url("/img/pic3")], tmp_path, progress=False, verbose=False)
    assert {p.suffix for p in Path(tmp_path).iterdir()} == {".jpg", ".csv"}


def test_connections_are_kept_alive_between_urls(web, tmp_path):
    urls = [web.url(f"/img/pic{i}") for i in range(6)]
    before = web.connections
    download_images(urls, tmp_path, workers=1, progress=False, verbose=False)
    assert web.connections - before == 1  # one worker, one connection, six images
