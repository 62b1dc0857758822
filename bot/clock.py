"""Injected clocks: the system clock, and one tests and the console can move."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


Listener = Callable[[], Awaitable[None]]
NextStop = Callable[[], Awaitable[datetime | None]]


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told, optionally following real time plus an offset.

    ``advance`` notifies listeners (the scheduler runs work that became due). A jump stops at
    every time a stop source names on the way (the next due job), so work runs at its own time
    and is not reported late because the clock leapt past it.
    """

    def __init__(self, start: datetime | None = None, *, follow_real_time: bool = False) -> None:
        self._base = start or datetime.now(UTC)
        self._offset = timedelta(0)
        self._follow = follow_real_time
        self._real_start = datetime.now(UTC)
        self._listeners: list[Listener] = []
        self._stops: list[NextStop] = []

    def now(self) -> datetime:
        now = self._base + self._offset
        if self._follow:
            now += datetime.now(UTC) - self._real_start
        return now

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after each advance."""
        self._listeners.append(listener)

    def add_stops(self, next_stop: NextStop) -> None:
        """Let ``advance`` pause at the time ``next_stop`` names (None: nothing to stop for)."""
        self._stops.append(next_stop)

    async def advance(self, delta: timedelta) -> None:
        """Move forward, pausing at each stop on the way, and let listeners catch up each time."""
        target = self.now() + delta
        # Work already due (scheduled for "now" a moment ago, its real-time alarm not rung yet) runs
        # before the jump, at its own time: otherwise it would run at the target, reported late by the
        # whole jump (and past its grace, skipped), depending on whether the alarm happened to ring first.
        now = self.now()
        if delta > timedelta(0) and [t for source in list(self._stops) if (t := await source()) is not None
                                     and t <= now]:
            await self._notify()
        while self._stops:
            now = self.now()
            stops = [t for source in list(self._stops) if (t := await source()) is not None and now < t < target]
            if not stops:
                break
            self._offset += min(stops) - now
            await self._notify()
        self._offset += max(target - self.now(), timedelta(0))
        await self._notify()

    async def _notify(self) -> None:
        for listener in list(self._listeners):
            await listener()


def utc(dt: datetime) -> datetime:
    """Treat a naive datetime as UTC (databases may drop the zone) and normalise to UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
