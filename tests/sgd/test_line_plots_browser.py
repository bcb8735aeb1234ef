"""A real JupyterLab in headless Chromium runs notebook 05, and its sliders refit and redraw."""

import pytest

NOTEBOOK = "05_sgd_from_scratch.ipynb"
RUN_TIMEOUT_MS = 300_000  # the notebook takes under a minute on 2 busy CPUs

DRAWN = """() => {
  const parts = document.querySelectorAll('.widget-interact .widget-slider, .widget-interact img');
  const boxes = Array.from(parts).map(e => e.getBoundingClientRect());
  const x = Math.min(...boxes.map(b => b.left)), y = Math.min(...boxes.map(b => b.top));
  const right = Math.max(...boxes.map(b => b.right));
  const bottom = Math.max(...boxes.map(b => b.bottom));
  return {x: x - 8, y: y - 8, width: right - x + 16, height: bottom - y + 16};
}"""  # the sliders and the picture, without the empty width of the cell beside them

PICTURE = """() => {
  const img = document.querySelector('.widget-interact .jp-OutputArea-output img');
  return img && img.complete && img.naturalWidth > 0 ? img.src : null;
}"""


@pytest.mark.slow
@pytest.mark.browser
def test_the_sliders_refit_and_redraw_the_run(jupyter_lab, page, pictures):
    lab = jupyter_lab(NOTEBOOK)
    page.set_default_timeout(60_000)
    lab.run_all(page, NOTEBOOK, RUN_TIMEOUT_MS)

    widget = page.locator(".widget-interact")
    widget.scroll_into_view_if_needed()
    assert page.get_by_text("interactive(children=").count() == 0  # a real widget, not its repr
    assert widget.locator(".widget-slider").count() == 2  # lr and bs
    page.wait_for_function(PICTURE)
    before = page.evaluate(PICTURE)
    page.screenshot(path=pictures / "explore.png", clip=page.evaluate(DRAWN))  # for notebook 05

    # The mouse moves the lr slider to its highest value: the run is fitted again and redrawn.
    handle = widget.locator(".widget-slider").first.locator(".noUi-handle")
    handle.focus()
    handle.press("End")
    page.wait_for_function(f"() => ({PICTURE})() && ({PICTURE})() !== {before!r}")
    assert "lr" in widget.inner_text()
    page.screenshot(path=pictures / "explore-lr-high.png", clip=page.evaluate(DRAWN))
