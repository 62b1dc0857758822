"""Group work that arrives together (case writes, deletes of one channel) into one batch.

The first caller starts a drain task that lets every message already in flight join, then runs
the whole batch at once; whatever arrives while a batch runs forms the next one (a group commit).
Each caller gets its own result only once its batch is done, so nothing is reported before it
happened. One caller alone costs one extra turn of the event loop (with ``gather``, two).

The callers of a batch are woken a slice at a time, one turn of the event loop apart: each goes on
with its own work once woken (a case's DM, its mod-log entry), and five hundred of them woken at
once would hold the loop for all of that work in a single turn (a stall of hundreds of
milliseconds in a wave, with every other event waiting behind it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Runs ``run`` over every item submitted while the previous batch was running."""

    def __init__(self, run: Callable[[list[T]], Awaitable[Sequence[R]]], *, max_batch: int = 500,
                 hold: float = 0.0, wake: int = 25, gather: bool = False) -> None:
        self._run = run
        self._gather = gather
        self._max = max_batch
        self._hold = hold
        self._wake = max(1, wake)
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Queue one item and wait for its batch to be done."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        # the messages already dispatched reach submit() in this turn (or within ``hold`` seconds:
        # a wave's deletes wait a moment for the channel's next ones, as one bulk delete is one call)
        await asyncio.sleep(self._hold)
        while self._pending:
            # ``gather``: while more keep coming turn after turn (a wave's callers, woken a slice per turn by
            # the batch before them), wait a turn more: one transaction of a hundred cases costs about what
            # one of ten does. A lone caller (the quiet path) waits one turn, as before.
            while self._gather and len(self._pending) < self._max:
                waiting = len(self._pending)
                await asyncio.sleep(0)
                if len(self._pending) == waiting:
                    break
            batch, self._pending = self._pending[: self._max], self._pending[self._max:]
            try:
                results = await self._run([item for item, _ in batch])
            except Exception as exc:  # every caller of the batch hears of it; the next batch still runs
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            woken = 0
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
                    woken += 1
                    if woken % self._wake == 0 and woken < len(batch):
                        await asyncio.sleep(0)  # those woken so far go on in this turn, the rest in the next
