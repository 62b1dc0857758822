"""When the next send to a channel may go: spacing, Retry-After holds and the global limit.

One pacer per platform sees every send, retries included, because the sender asks it before
each attempt and tells it after each answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import Clock

_NEVER = datetime.min.replace(tzinfo=UTC)  # no hold


class Pacer:
    """Per-channel slots and holds, read from an injected clock."""

    def __init__(self, clock: Clock, interval: float = 0.0) -> None:
        self.clock = clock
        self.interval = timedelta(seconds=max(interval, 0.0))
        self._next: dict[str, datetime] = {}
        self._held: dict[str, datetime] = {}
        self._global: datetime | None = None

    def ready_at(self, channel: str, paced: bool = True) -> datetime:
        """The earliest time a send to ``channel`` may start."""
        at = self._held.get(channel, _NEVER)
        if paced:
            at = max(at, self._next.get(channel, at))
        if self._global is not None:
            at = max(at, self._global)
        return at

    def ready(self, channel: str, paced: bool = True) -> bool:
        """Whether a send to ``channel`` may start now."""
        return self.ready_at(channel, paced) <= self.clock.now()

    def held(self, channel: str) -> bool:
        """Whether the platform told us to wait (Retry-After or a global limit) and the wait isn't over."""
        now = self.clock.now()
        hold = self._held.get(channel)
        return (hold is not None and hold > now) or (self._global is not None and self._global > now)

    def started(self, channel: str, paced: bool = True) -> None:
        """A send to ``channel`` starts now: the next one waits one interval."""
        if paced and self.interval:
            self._next[channel] = self.clock.now() + self.interval

    def hold(self, channel: str, seconds: float, *, everything: bool = False) -> None:
        """The platform said Retry-After ``seconds`` (for every channel when ``everything``)."""
        until = self.clock.now() + timedelta(seconds=max(seconds, 0.0))
        if everything:
            self._global = max(self._global, until) if self._global else until
        else:
            self._held[channel] = max(self._held.get(channel, until), until)

    def forget(self, channel: str) -> None:
        """Drop a channel's slots once nothing waits for it (keeps the maps small)."""
        now = self.clock.now()
        if self._next.get(channel, now) <= now:
            self._next.pop(channel, None)
        if self._held.get(channel, now) <= now:
            self._held.pop(channel, None)
