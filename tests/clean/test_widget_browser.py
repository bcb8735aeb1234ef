"""A real JupyterLab in headless Chromium runs notebook 03 and cleans an image with the mouse."""

import pytest

NOTEBOOK = "03_clean.ipynb"
RUN_TIMEOUT_MS = 400_000  # the quick notebook trains twice on 2 CPUs


@pytest.fixture
def lab(jupyter_lab):
    """JupyterLab on a copy of the notebook, in its quick mode (see tests/conftest.py)."""
    return jupyter_lab(NOTEBOOK, LESSON2_QUICK="1")


FIRST_CARD_FILLED = """() => {
  const caption = document.querySelector('.lesson2-cleaner .lesson2-card .widget-html-content');
  return !!caption && /\\.(jpe?g|png)/i.test(caption.innerText);
}"""


@pytest.mark.slow
@pytest.mark.browser
def test_notebook_runs_in_jupyterlab_and_the_cleaner_moves_a_file_to_the_trash(lab, page, pictures):
    page.set_default_timeout(60_000)
    lab.run_all(page, NOTEBOOK, RUN_TIMEOUT_MS)

    cleaner = page.locator(".lesson2-cleaner")
    cleaner.scroll_into_view_if_needed()
    thumbs = cleaner.locator("img.lesson2-thumb")
    assert thumbs.count() >= 1
    assert thumbs.first.evaluate("img => img.complete && img.naturalWidth") > 0
    assert page.get_by_text("ImageCleaner(children=").count() == 0  # a real widget, not its repr

    # The notebook applied its decisions; the mouse takes them back, as a person would.
    cleaner.get_by_role("button", name="Undo").click()
    page.wait_for_function(
        "() => document.querySelector('.lesson2-cleaner').innerText.includes('files back where')"
    )
    page.wait_for_function(FIRST_CARD_FILLED)  # the kernel's updates reach the page in turn
    page.set_viewport_size({"width": 1100, "height": 2400})  # the whole widget, for the picture
    cleaner.scroll_into_view_if_needed()
    cleaner.screenshot(path=pictures / "cleaner.png")  # notebook 03 shows it to static views

    card = cleaner.locator(".lesson2-card").first
    name = card.locator(".widget-html-content").first.inner_text().splitlines()[0].strip()
    assert (lab.data / "shapes-cleaning" / name).is_file()
    card.locator(".lesson2-action select").select_option(label="delete")
    page.wait_for_function(
        "() => document.querySelector('.lesson2-cleaner').innerText.includes('1 pending change')"
    )
    cleaner.get_by_role("button", name="Apply").click()
    page.wait_for_function(
        "() => document.querySelector('.lesson2-cleaner').innerText.includes('1 to the trash')"
    )
    cleaner.screenshot(path=pictures / "cleaner-applied.png")  # for a person after a failure
    trashed = lab.data / "shapes-cleaning" / ".trash" / name
    assert trashed.is_file()
    assert not (lab.data / "shapes-cleaning" / name).exists()
