"""lesson2.words: counts in printed sentences read as English."""

from lesson2.words import count


def test_one_is_singular_and_everything_else_plural():
    assert count(1, "epoch") == "1 epoch"
    assert [count(n, "epoch") for n in (0, 2, 20)] == ["0 epochs", "2 epochs", "20 epochs"]
    assert count(0.5, "minute") == "0.5 minutes" and count(4.0, "minute") == "4 minutes"
    assert count(1_000_000, "picture") == "1000000 pictures"  # not 1e+06
