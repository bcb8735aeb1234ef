"""lesson2.sgd.animation: matplotlib's notebook player, working with no network."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.animation import FuncAnimation

from lesson2.sgd.animation import GLYPHS, NotebookAnimation, offline_player


@pytest.fixture
def counting():
    """A NotebookAnimation of 5 frames whose title counts them."""
    fig, ax = plt.subplots(figsize=(2, 1), dpi=40)
    plt.close(fig)
    animation = FuncAnimation(fig, lambda i: ax.set_title(f"frame {i}"), frames=range(5))
    return NotebookAnimation(animation, "a count", 5)


def test_every_icon_of_matplotlibs_player_becomes_a_character(counting):
    raw = counting.animation.to_jshtml()
    html = counting.html()
    assert raw.count('<i class="fa') == html.count('aria-hidden="true"') == len(GLYPHS)
    assert "font-awesome" in raw and "font-awesome" not in html and "://" not in html
    assert repr(counting) == "<animation of a count: 5 frames>"


def test_an_icon_it_does_not_know_is_an_error_not_a_blank_button():
    with pytest.raises(ValueError, match=r"fa-eject.*GLYPHS"):
        offline_player('<button><i class="fa fa-eject"></i></button>')


@pytest.mark.browser
@pytest.mark.slow
def test_the_player_works_in_a_browser_with_no_network(counting, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.route("http*://**", lambda route: route.abort())
    page.set_content(counting.html())
    page.wait_for_function("Object.keys(window).some(k => k.startsWith('anim'))")  # its setTimeout
    buttons = page.locator("button")
    assert buttons.count() == len(GLYPHS)
    assert all(text.strip() for text in buttons.all_inner_texts())  # none shows up blank
    slider = page.locator("input[type=range]")
    page.locator("button[title='Last frame']").click()
    assert slider.input_value() == "4"
    page.locator("button[title='Previous frame']").click()
    assert slider.input_value() == "3"
    assert not [url for url in requests if url.startswith("http")]
