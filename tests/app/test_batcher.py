"""Micro-batching (app/batcher.py): requests share forward passes, errors reach every request."""

import asyncio
import threading

import anyio
import pytest

from lesson2_app.batcher import Batcher


def test_requests_waiting_for_a_busy_worker_share_one_batch(run_async):
    release, started = threading.Event(), threading.Event()

    def slow_double(items):
        started.set()
        release.wait(10)
        return [2 * i for i in items]

    async def scenario():
        async with Batcher(slow_double, workers=1, max_batch=4) as batcher:
            first = asyncio.create_task(batcher.submit(0))
            await anyio.to_thread.run_sync(started.wait, 10)
            rest = [asyncio.create_task(batcher.submit(i)) for i in range(1, 7)]
            await asyncio.sleep(0.05)  # the loop runs while the worker thread is busy
            release.set()
            return await first, await asyncio.gather(*rest), batcher.batch_sizes

    first, rest, sizes = run_async(scenario)
    assert (first, rest) == (0, [2, 4, 6, 8, 10, 12])
    assert sizes == {1: 1, 4: 1, 2: 1}  # alone, then the queue in batches of at most max_batch


def test_batch_errors_reach_every_waiting_request(run_async):
    def fail(items):
        raise RuntimeError("model broke")

    async def scenario():
        async with Batcher(fail) as batcher:
            return await asyncio.gather(
                batcher.submit(1), batcher.submit(2), return_exceptions=True
            )

    assert [str(e) for e in run_async(scenario)] == ["model broke", "model broke"]


@pytest.mark.parametrize("returned", [[], [1], [1, 2, 3]])
def test_a_wrong_number_of_results_fails_every_request_and_the_worker_lives_on(returned, run_async):
    """Regression: the length check once sat outside the try, so the worker died and the
    waiting requests hung for ever."""
    calls = []

    def fn(items):
        calls.append(list(items))
        return returned if len(calls) == 1 else [10 * i for i in items]

    async def scenario():
        async with Batcher(fn, workers=1, max_batch=4) as batcher:
            with anyio.fail_after(10):  # a hang fails the test instead of stalling the suite
                first = await asyncio.gather(
                    batcher.submit(1), batcher.submit(2), return_exceptions=True
                )
                later = await batcher.submit(3)  # the same worker, still alive
            return first, later

    first, later = run_async(scenario)
    assert len(first) == 2 and all(isinstance(e, RuntimeError) for e in first)
    assert "returned" in str(first[0]) and "results for" in str(first[0])
    assert later == 30
