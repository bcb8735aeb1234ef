"""Running async scenarios from synchronous tests, whatever else the test session runs.

from _run import run_async
result = run_async(scenario)   # anyio.run(scenario) in a thread of its own
"""

from concurrent.futures import ThreadPoolExecutor

import anyio


def run_async(fn, *args):
    """anyio.run(fn, *args) in a thread of its own: while a browser test's playwright (sync API)
    holds this thread's event loop, anyio.run here would find a loop already running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, fn, *args).result()
