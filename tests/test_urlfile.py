"""URL files on real files: the lesson's CSV shape, headers, round trips, clear refusals."""

import pytest

from lesson2.urlfile import read_urls, save_urls


def test_read_urls_reads_the_lessons_csv_shape(tmp_path):
    path = tmp_path / "urls_grizzly.csv"
    path.write_bytes(
        b"\xef\xbb\xbfhttps://a.example/1.jpg\r\n"
        b"\r\n"
        b"# collected on Google Images\r\n"
        b'  "https://a.example/2.jpg?w=1,h=2"  \r\n'
        b"http://b.example/3.png\r\n"
        b"https://a.example/1.jpg\r\n"
    )
    assert read_urls(path) == [
        "https://a.example/1.jpg",
        "https://a.example/2.jpg?w=1,h=2",
        "http://b.example/3.png",
    ]


def test_read_urls_skips_a_header_line(tmp_path):
    path = tmp_path / "urls.csv"
    path.write_text("url\nhttps://a.example/1.jpg\n", encoding="utf-8")
    assert read_urls(path) == ["https://a.example/1.jpg"]


def test_save_then_read_round_trips(tmp_path):
    urls = [f"https://a.example/{i}.jpg" for i in range(5)] + ["https://a.example/0.jpg"]
    path = save_urls(urls, tmp_path / "nested" / "urls_a.txt")
    assert path.read_text(encoding="utf-8") == "".join(f"{u}\n" for u in urls[:5])
    assert read_urls(path) == urls[:5]
    assert [p.name for p in path.parent.iterdir()] == ["urls_a.txt"]  # no temp file left


def test_read_urls_names_the_lines_that_are_not_urls(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text("https://a.example/1.jpg\nundefined\nftp://x.example/2.jpg\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"2 line\(s\) are not http\(s\) URLs \(line 2, 3\)"):
        read_urls(path)


def test_read_urls_explains_a_missing_or_empty_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no URL file at .*python -m lesson2\.snippet"):
        read_urls(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# nothing yet\n", encoding="utf-8")
    with pytest.raises(ValueError, match="holds no URLs"):
        read_urls(empty)


@pytest.mark.parametrize(
    "bad", ["ftp://a.example/1.jpg", "a.example/1.jpg", "https://a.example/a b.jpg", None]
)
def test_save_urls_refuses_what_would_not_read_back(tmp_path, bad):
    path = tmp_path / "urls.txt"
    path.write_text("https://kept.example/1.jpg\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not http"):
        save_urls(["https://a.example/ok.jpg", bad], path)
    assert read_urls(path) == ["https://kept.example/1.jpg"]


def test_save_urls_refuses_an_empty_list(tmp_path):
    with pytest.raises(ValueError, match="no URLs to save"):
        save_urls([], tmp_path / "urls.txt")
    assert not (tmp_path / "urls.txt").exists()
