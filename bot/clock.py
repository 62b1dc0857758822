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


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told, optionally following real time plus an offset.

    ``advance`` notifies listeners (the scheduler runs work that became due).
    """

    def __init__(self, start: datetime | None = None, *, follow_real_time: bool = False) -> None:
        self._base = start or datetime.now(UTC)
        self._offset = timedelta(0)
        self._follow = follow_real_time
        self._real_start = datetime.now(UTC)
        self._listeners: list[Listener] = []

    def now(self) -> datetime:
        now = self._base + self._offset
        if self._follow:
            now += datetime.now(UTC) - self._real_start
        return now

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after each advance."""
        self._listeners.append(listener)

    async def advance(self, delta: timedelta) -> None:
        """Move forward and let listeners catch up."""
        self._offset += delta
        for listener in list(self._listeners):
            await listener()


def utc(dt: datetime) -> datetime:
    """Treat a naive datetime as UTC (databases may drop the zone) and normalise to UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
