"""URL files on real files: the lesson's CSV shape, headers, round trips, clear refusals."""

import pytest

from lesson2.dataset.urlfile import (
    class_of,
    find_url_files,
    read_urls,
    save_urls,
    slug,
    url_file_name,
)


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
    with pytest.raises(
        FileNotFoundError, match=r"no URL file at .*python -m lesson2\.dataset\.snippet"
    ):
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


def test_one_naming_rule_for_the_snippet_search_and_the_lesson():
    assert url_file_name("Grizzly bear!") == "urls_grizzly_bear.txt"
    assert url_file_name("   ") == "urls_images.txt"
    assert (
        class_of("urls_grizzly_bear.txt")
        == class_of("URLs/urls_Grizzly bear.csv")
        == "grizzly_bear"
    )
    assert slug("Café au lait") == "cafe_au_lait"
    with pytest.raises(ValueError, match="names no class"):
        class_of("urls_.txt")


def test_find_url_files_takes_the_snippets_txt_and_the_lessons_csv(tmp_path):
    save_urls(["https://a.example/1.jpg"], tmp_path / url_file_name("grizzly bear"))
    save_urls(["https://a.example/2.jpg"], tmp_path / "urls_black.csv")
    (tmp_path / "notes.md").write_text("not a URL file")
    assert find_url_files(tmp_path) == {
        "black": tmp_path / "urls_black.csv",
        "grizzly_bear": tmp_path / "urls_grizzly_bear.txt",
    }


def test_url_files_of_an_unknown_name_are_listed_with_the_rule(tmp_path):
    save_urls(["https://a.example/1.jpg"], tmp_path / "grizzly.txt")
    save_urls(["https://a.example/2.jpg"], tmp_path / "download.csv")
    with pytest.raises(
        ValueError, match=r"holds download\.csv, grizzly\.txt\): name each one urls_<class>\.txt"
    ):
        find_url_files(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"holds no \.txt or \.csv file"):
        find_url_files(tmp_path / "empty")


def test_two_files_for_one_class_are_refused(tmp_path):
    save_urls(["https://a.example/1.jpg"], tmp_path / "urls_teddy.txt")
    save_urls(["https://a.example/2.jpg"], tmp_path / "urls_teddy.csv")
    with pytest.raises(ValueError, match="both URL files for class 'teddy'"):
        find_url_files(tmp_path)
