"""The claims notebook 01 makes in words, checked with the same functions on three demo seeds,
and what it says of fastai's own `download_images` and `verify_images`, against a local server."""

import re
import shutil
import time
import warnings
from collections import Counter
from pathlib import Path

import pytest

from lesson2.dataset.download import download_images, read_manifest, verify_images
from lesson2.dataset.folders import class_folders
from lesson2.dataset.gallery import sample_files
from lesson2.dataset.urlfile import find_url_files, read_urls
from lesson2.demo.build import (
    MISLABELED_PER_CLASS,
    NEAR_DUPLICATES_PER_CLASS,
    build_demo_dataset,
    lesson_dataset,
    open_demo_web,
)
from lesson2.demo.localweb import LocalWeb, jpeg_bytes
from lesson2.demo.planted import planted_files
from lesson2.demo.shapes import CLASSES, draw, draw_dataset
from lesson2.workspace import data_dir, use_dataset

SEEDS = (0, 1, 2)
SERP = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "serp"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """LESSON2_DATA with the demo as notebook 01 builds it offline (data_dir() / "shapes", seed
    0), and the same demo drawn with seeds 1 and 2 beside it; {seed: its folder}."""
    root = tmp_path_factory.mktemp("data")
    folders = {0: root / "shapes", **{s: root / f"shapes-seed{s}" for s in SEEDS[1:]}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LESSON2_DATA", str(root))
        assert data_dir() / "shapes" == folders[0]
        for seed, folder in folders.items():
            build_demo_dataset(folder, timeout=2.5, progress=False, seed=seed)
    return root, folders


@pytest.fixture(params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def shapes(request, demo):
    return demo[1][request.param]


def test_the_demo_has_the_five_shapes_the_intro_names():
    assert CLASSES == ("circle", "square", "triangle", "pentagon", "hexagon")


def test_every_url_ends_in_its_manifest_and_the_mess_is_there(shapes):
    # "misbehaves the way the real web does: missing pages, server errors, ... a server that
    # stalls, HTML pages posing as .jpg, broken files, a decompression bomb, ... the same
    # picture under two URLs"; "Nothing is silently dropped: ... one row per URL"
    for c, file in find_url_files(shapes).items():
        rows = read_manifest(shapes / c)
        assert sorted(rows) == sorted(read_urls(file, strict=False))
        counts = Counter(row["status"] for row in rows.values())
        assert counts["http error"] == 2 and counts["not an image"] == 2
        assert counts["duplicate"] == 1
    circle = Counter(row["status"] for row in read_manifest(shapes / "circle").values())
    assert circle["timeout"] == 1 and circle["too large"] == 1


def test_the_urls_shown_hold_some_of_the_trouble(shapes):
    # "Most lines are good picture URLs; look closely and you can already see some trouble"
    urls = read_urls(find_url_files(shapes)["circle"], strict=False)[5:20]
    good = [u for u in urls if re.search(r"/img/circle-\d+$", u)]
    assert len(urls) // 2 < len(good) < len(urls)


def test_mislabels_and_near_copies_are_planted_in_every_class(shapes):
    # "The demo planted some in every class folder on purpose, and near-copies too: ... its
    # bytes differ and the downloader keeps both"
    planted = planted_files(shapes)
    filed = Counter(f.parent.name for f in planted["mislabeled"])
    assert filed == dict.fromkeys(CLASSES, MISLABELED_PER_CLASS)
    assert all(f.is_file() for f in planted["mislabeled"])
    pairs = Counter(a.parent.name for a, _ in planted["near_duplicates"])
    assert pairs == dict.fromkeys(CLASSES, NEAR_DUPLICATES_PER_CLASS)
    for a, b in planted["near_duplicates"]:
        assert a.parent == b.parent and a.read_bytes() != b.read_bytes()


def test_the_sample_shows_eight_pictures_of_each_class(shapes):
    # "mislabels among the {len(shown)} pictures shown above": show_samples(path, n=8) draws
    # these; whether they hold a mislabel is chance, so the notebook counts and says no more
    samples = sample_files(shapes, n=8)
    assert [folder.name for folder in samples] == sorted(CLASSES)
    assert all(len(files) == 8 for files in samples.values())


def test_the_notebooks_download_gives_the_dataset_notebooks_02_to_04_use(demo, tmp_path):
    # "Offline, MAX_PICS = None keeps every URL of the demo's lists, so that this folder holds
    # the very dataset notebooks 02 to 04 use" (they call build_demo_dataset)
    path, max_pics = tmp_path / "shapes", None
    with open_demo_web(path) as web:
        url_files = web.write_url_files(path)
        for c, file in url_files.items():
            urls = read_urls(file, strict=False)[:max_pics]
            download_images(
                urls, path / c, max_size=500, timeout=2.5, progress=False, verbose=False
            )
    verify_images(path, quarantine=True)
    built = demo[1][0]
    for folder in class_folders(built):
        assert sorted(p.name for p in (path / folder.name).glob("*.jpg")) == sorted(
            p.name for p in folder.glob("*.jpg")
        )


@pytest.mark.skipif(not SERP.is_dir(), reason=f"no captured results pages at {SERP}")
def test_googles_pages_no_longer_carry_the_lessons_rg_meta():
    # "Search engines have changed their pages since: Google's no longer carry the .rg_meta
    # elements those lines read"
    assert "rg_meta" in (SERP / "google_2019_britney-spears.html").read_text(errors="replace")
    assert "rg_meta" not in (SERP / "google_2025_babybio-logo.html").read_text(errors="replace")


def test_offline_default_leaves_the_demo_for_notebooks_02_to_04(demo, tmp_path, monkeypatch):
    # Step 5: use_dataset(path) carries a student's dataset to 02-04; use_dataset(None) goes back
    # to the demo shapes, the very folder notebook 01 filled offline.
    root, folders = demo
    monkeypatch.setenv("LESSON2_DATA", str(root))
    bears = tmp_path / "bears"
    draw_dataset(bears, n_per_class=2, size=16)
    assert use_dataset(bears) == bears.resolve()
    assert lesson_dataset() == bears.resolve()
    assert use_dataset(None) is None
    assert not (root / "dataset.txt").exists()
    assert lesson_dataset() == folders[0]


def test_a_dataset_that_went_away_says_what_to_do(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("LESSON2_DATA", str(demo[0]))
    bears = tmp_path / "bears"
    draw_dataset(bears, n_per_class=2, size=16)
    use_dataset(bears)
    shutil.rmtree(bears)
    with pytest.raises(FileNotFoundError, match="use_dataset\\(None\\)"):
        lesson_dataset()
    use_dataset(None)


# ---- fastai's download_images and verify_images, as notebook 01 describes them ---------------


@pytest.fixture(scope="module")
def fastai_utils():
    with warnings.catch_warnings():  # fastai's import calls a PyTorch API that is deprecated
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated", FutureWarning)
        from fastai.vision import utils
    return utils


@pytest.fixture
def web():
    pictures = {f"pic{i}": jpeg_bytes(draw("circle", seed=i, size=32)) for i in range(3)}
    pictures["tiny"] = b"x" * 30  # 30 bytes: three seconds when trickled, a byte per 0.1 s
    with LocalWeb(pictures) as web:
        yield web


def test_fastai_drops_failures_without_a_word(fastai_utils, web, tmp_path, capfd):
    # "a download that fails is dropped without a word ... A dead link, or a server busy for a
    # moment (it is not asked again), leaves no trace"
    urls = [web.url("/img/pic0"), web.url("/status/404/gone.jpg"), web.url("/flaky/1/pic1")]
    result = fastai_utils.download_images(tmp_path / "circle", urls=urls)
    assert result is None
    assert len(list((tmp_path / "circle").iterdir())) == 1
    assert web.hits["/flaky/1/pic1"] == 1  # a 503 once, never asked again
    said = "".join(capfd.readouterr())
    assert "404" not in said and "gone" not in said and "Couldn't" not in said


def test_fastais_timeout_bounds_each_wait_not_the_download(fastai_utils, web, tmp_path):
    # "timeout=4 is urllib's limit on each wait for the network, not on the download: a server
    # that sends a byte every few seconds keeps it busy as long as it likes"
    started = time.monotonic()
    fastai_utils.download_images(tmp_path / "d", urls=[web.url("/trickle/tiny")], timeout=1)
    assert time.monotonic() - started > 2.5  # three times the timeout, and no error
    (saved,) = (tmp_path / "d").iterdir()
    assert saved.read_bytes() == b"x" * 30


def test_fastai_leaves_a_download_cut_off_as_a_part_file(fastai_utils, web, tmp_path):
    # "a download cut off by the timeout leaves a half-written .part file"
    fastai_utils.download_images(tmp_path / "d", urls=[web.url("/stall/pic0")], timeout=1)
    assert [p.suffix for p in (tmp_path / "d").iterdir()] == [".part"]


def test_fastai_names_files_at_random_and_cannot_resume(fastai_utils, web, tmp_path):
    # "files get random names (uuid4), and nothing records which URLs are done, so there is no
    # resume: running the line again downloads everything again, beside the first copies"
    urls = [web.url("/img/pic0"), web.url("/img/pic1")]
    for _ in range(2):
        fastai_utils.download_images(tmp_path / "d", urls=urls)
    names = [p.stem for p in (tmp_path / "d").iterdir()]
    assert len(names) == 4 and all(re.fullmatch(r"[0-9a-f-]{36}", n) for n in names)
    assert web.hits["/img/pic0"] == web.hits["/img/pic1"] == 2


def test_fastai_cuts_the_query_string_off(fastai_utils, web, tmp_path):
    # "it cuts the query string off every URL (url.split("?")[0])"
    fastai_utils.download_images(tmp_path / "d", urls=[web.url("/img/pic2?copy=1")])
    assert web.hits["/img/pic2"] == 1 and not web.hits["/img/pic2?copy=1"]


def test_fastai_keeps_html_for_verify_images_which_names_but_says_not_why(
    fastai_utils, web, tmp_path
):
    # "it keeps whatever the server sends, HTML pages ... included, for verify_images to find
    # later; and verify_images says which files do not open, not why"
    from fastai.data.transforms import get_image_files

    fastai_utils.download_images(tmp_path / "d", urls=[web.url("/html/login.jpg")])
    (saved,) = (tmp_path / "d").iterdir()
    assert saved.suffix == ".jpg" and saved.read_bytes().startswith(b"<!doctype html>")
    failed = fastai_utils.verify_images(get_image_files(tmp_path / "d"))
    assert list(failed) == [saved] and all(isinstance(f, Path) for f in failed)
