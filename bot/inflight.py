"""Events being handled right now, so stopping (and tests) can wait until all of them are done."""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Coroutine, Generator
from typing import Any

# how many events begin per turn of the event loop: a raid's thousand messages handed in at once
# start fifty a turn, so timers, answers and every other task get the loop in between
ADMIT_PER_TURN = 50


class InFlight:
    """Tracks the tasks handling events, and paces how many begin per turn of the loop."""

    def __init__(self, per_turn: int = ADMIT_PER_TURN) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.per_turn = max(1, per_turn)
        self._admitted = 0  # events begun in this turn of the loop
        self._queued: deque[asyncio.Future[None]] = deque()  # events waiting for a later turn
        self._turn_ends = False  # whether the count is reset at the next turn

    async def run(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` to its end; a cancelled caller does not cancel the work.

        The work starts inline: most events finish without ever waiting, and a cancellation can only
        reach a coroutine where it waits, so those need no task at all. Only work that does wait is
        moved, from the point where it waits, into a tracked task that the caller awaits shielded.
        """
        # one context for the whole work, as a task of its own would have: a context variable it
        # sets before its first wait (the outbox's job transaction) is reset in the same context
        context = contextvars.copy_context()
        if self._admitted >= self.per_turn or self._queued:
            # this turn's share has begun: the work waits, tracked, for a later turn
            task = asyncio.get_running_loop().create_task(self._later(work), context=context)
            self._track(task)
            await asyncio.shield(task)
            return
        self._admit()
        try:
            first = context.run(work.send, None)
        except StopIteration:
            return
        task = asyncio.get_running_loop().create_task(_Resumed(work, first), context=context)
        self._track(task)
        await asyncio.shield(task)

    async def _later(self, work: Coroutine[Any, Any, Any]) -> None:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append(turn)
        self._turn_ending()
        try:
            await turn
        except BaseException:
            work.close()
            raise
        await work

    def _admit(self) -> None:
        self._admitted += 1
        self._turn_ending()  # the queue goes on at the next turn, or the count is reset there

    def _turn_ending(self) -> None:
        if not self._turn_ends:
            self._turn_ends = True
            asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        """A new turn of the loop: the next share of the waiting events begins."""
        self._turn_ends, self._admitted = False, 0
        while self._queued and self._admitted < self.per_turn:
            turn = self._queued.popleft()
            if not turn.done():
                turn.set_result(None)
                self._admit()  # counted in this turn, so the count is reset at the next


    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Start ``work`` as a tracked task without waiting for it."""
        self._track(asyncio.create_task(work))

    def _track(self, task: asyncio.Task[Any]) -> None:
        # until the task is done, even when the caller that awaited it was cancelled
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def empty(self) -> bool:
        """Whether no work is in flight."""
        return not self._tasks

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
