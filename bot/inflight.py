"""Events being handled right now, so stopping (and tests) can wait until all of them are done."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any


class InFlight:
    """Tracks the tasks handling events."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` to its end; a cancelled caller does not cancel the work.

        The work starts inline: most events finish without ever waiting, and a cancellation can only
        reach a coroutine where it waits, so those need no task at all. Only work that does wait is
        moved, from the point where it waits, into a tracked task that the caller awaits shielded.
        """
        try:
            first = work.send(None)
        except StopIteration:
            return
        task = asyncio.get_running_loop().create_task(_Resumed(work, first))
        self._track(task)
        await asyncio.shield(task)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Start ``work`` as a tracked task without waiting for it."""
        self._track(asyncio.create_task(work))

    def _track(self, task: asyncio.Task[Any]) -> None:
        # until the task is done, even when the caller that awaited it was cancelled
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every piece of work handed in so far is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class _Resumed(Coroutine[Any, Any, Any]):
    """A coroutine already run up to its first wait, as a coroutine a task can drive: its first step
    hands that wait to the task, every later step (and a cancellation, even before the first) goes on
    into the work, exactly as if the task had run the fresh coroutine."""

    __slots__ = ("coro", "first")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any) -> None:
        self.coro, self.first = coro, [first]

    def send(self, value: Any) -> Any:
        """One step: the first hands over the wait the work stopped at, later ones resume the work."""
        if self.first:
            return self.first.pop()
        return self.coro.send(value)

    def throw(self, *exc: Any) -> Any:
        """Raise in the work where it waits (a cancellation, most often)."""
        self.first.clear()
        return self.coro.throw(*exc)

    def close(self) -> None:
        """Close the work."""
        self.coro.close()

    def __await__(self) -> Generator[Any, Any, Any]:
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            try:
                waiting = self.send(sent) if thrown is None else self.throw(thrown)
            except StopIteration as stop:
                return stop.value
            sent, thrown = None, None
            try:
                sent = yield waiting
            except BaseException as exc:  # whatever is thrown in goes on into the work
                thrown = exc
