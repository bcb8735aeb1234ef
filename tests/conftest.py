"""Shared fixtures: a real headless Chromium (Debian's package) driven by playwright."""

import shutil

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def chromium():
    """A launched headless Chromium; tests open their own pages and contexts."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed: run `make chromium` (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, tmp_path):
    """A fresh browser context and page that accepts downloads."""
    context = chromium.new_context(accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()
