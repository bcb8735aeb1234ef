"""lesson2: a hands-on companion to fast.ai v3 Lesson 2."""

import importlib.util
import sys
from pathlib import Path

__version__ = "0.1.0"


def _checkout_app():
    """Make the repository's top-level app/ importable as `lesson2.app` in a source checkout.

    app/ is deployable on its own, so it sits beside lesson2/ rather than inside it. An install
    maps that folder to `lesson2.app` (pyproject's wheel `sources`), so no generic top-level `app`
    lands in site-packages; in a checkout this does the same mapping, and lesson2 always says
    `lesson2.app` either way."""
    root = Path(__file__).resolve().parent.parent
    init = root / "app" / "__init__.py"
    if "lesson2.app" in sys.modules or not (root / "pyproject.toml").is_file():
        return
    if not init.is_file():
        return
    spec = importlib.util.spec_from_file_location(
        "lesson2.app", init, submodule_search_locations=[str(init.parent)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["lesson2.app"] = module
    spec.loader.exec_module(module)
    globals()["app"] = module  # as the import system does for a subpackage: `lesson2.app` works


_checkout_app()
