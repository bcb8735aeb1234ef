"""Micro-batching: requests that arrive while the model is busy share one forward pass.

    batcher = Batcher(model.predict_batch, workers=2, max_batch=16)
    async with batcher:                    # starts `workers` loops; stops them on exit
        pred = await batcher.submit(img)   # from any number of concurrent requests

A request that arrives when a worker is idle runs at once, alone: batching adds no waiting.
Requests that arrive while every worker is busy queue up, and the next free worker takes up to
`max_batch` of them together. The work runs in threads, so the event loop keeps serving.
"""

import asyncio
from collections import Counter

import anyio.to_thread
from anyio import CapacityLimiter


class Batcher:
    """Runs `fn(items) -> results` in worker threads on batches of queued items."""

    def __init__(self, fn, workers=1, max_batch=16):
        self.fn, self.workers, self.max_batch = fn, workers, max_batch
        self.limiter = CapacityLimiter(workers)
        self.batch_sizes = Counter()  # {batch size: how many batches of that size ran}
        self._queue = None
        self._tasks = []

    async def __aenter__(self):
        self._queue = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        return self

    async def __aexit__(self, *exc):
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def submit(self, item):
        """The result of `fn` for `item`; its exception if `fn` raised for the batch."""
        if not self._tasks:
            raise RuntimeError("the batcher is not running: use it inside `async with batcher`")
        future = asyncio.get_running_loop().create_future()
        await self._queue.put((item, future))
        return await future

    async def _work(self):
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            batch = [(item, fut) for item, fut in batch if not fut.cancelled()]  # clients gone
            if batch:
                await self._run(batch)

    async def _run(self, batch):
        items = [item for item, _ in batch]
        self.batch_sizes[len(items)] += 1
        try:
            results = list(await anyio.to_thread.run_sync(self.fn, items, limiter=self.limiter))
            if len(results) != len(items):
                raise RuntimeError(
                    f"the batch function returned {len(results)} results for {len(items)} items"
                )
        except Exception as e:  # noqa: BLE001 -- not swallowed: every waiting request re-raises it
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(e)
            return  # the worker lives on for the next batch
        for (_, fut), result in zip(batch, results, strict=True):
            if not fut.done():
                fut.set_result(result)
