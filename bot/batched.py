"""Look-ups by key that share one query when they arrive together (a group commit for reads).

A raid's new accounts, a wave's first DMs: hundreds of handlers each ask the database about a
different key within a few milliseconds. :class:`Batched` answers every key asked for while a query
is running (or before the next turn of the loop) with the next single query::

    loader = Batched(load_many)          # async load_many(keys: list[K]) -> Mapping[K, V]
    value = await loader.get(key)

``load_many`` returns a value for every key it was given (a missing key is an error for the
callers waiting on it, as is any exception it raises). Callers asking for the same key at the same
time share one answer, and a cancelled caller does not cancel the query for the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Batched(Generic[K, V]):
    """Concurrent look-ups of keys answered by one ``load_many`` call per batch of at most ``most`` keys."""

    def __init__(self, load_many: Callable[[list[K]], Awaitable[Mapping[K, V]]], *, most: int = 500) -> None:
        self.load_many = load_many
        self.most = most
        self.queries = 0  # how many times load_many ran (tests and benchmarks read it)
        self._waiting: dict[K, asyncio.Future[V]] = {}
        self._queued: list[K] = []
        self._runner: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V:
        """The value of ``key``, from the next query that runs."""
        future = self._waiting.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._waiting[key] = loop.create_future()
            self._queued.append(key)
            if self._runner is None:
                self._runner = loop.create_task(self._run())
        return await asyncio.shield(future)

    async def _run(self) -> None:
        try:
            while self._queued:
                keys, self._queued = self._queued[:self.most], self._queued[self.most:]
                self.queries += 1
                try:
                    found = await self.load_many(keys)
                except asyncio.CancelledError:
                    for key in keys:
                        self._waiting.pop(key).cancel()
                    raise
                except Exception as exc:
                    self._answer(keys, {}, exc)
                    continue
                self._answer(keys, found, None)
        finally:
            self._runner = None
            if self._queued:  # cancelled with keys still queued: they must not wait forever
                keys, self._queued = self._queued, []
                for key in keys:
                    self._waiting.pop(key).cancel()

    def _answer(self, keys: list[K], found: Mapping[K, V], error: Exception | None) -> None:
        for key in keys:
            future = self._waiting.pop(key)
            if future.done():
                continue
            if error is None and key in found:
                future.set_result(found[key])
                continue
            future.set_exception(error if error is not None else LookupError(f"no value was loaded for {key!r}"))
            future.exception()  # every caller may have been cancelled: not an "exception never retrieved"
