"""Pacing without I/O: quiet hours in the community's wall-clock time, and the first free slot for a post.

A quiet window is ``start-end`` in local time (``22:00-08:00`` wraps midnight). Its end is the
first instant whose local time is no longer quiet: on a day the clocks jump over the end (a DST
gap), that is the jump itself; on a day the end happens twice (clocks go back), the first time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _clock(hour: str, minute: str, text: str) -> time:
    h, m = int(hour), int(minute)
    if h > 23 or m > 59:
        raise ValueError(f"`{text}`: {hour}:{minute} is not a time of day (00:00 to 23:59)")
    return time(h, m)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily quiet window in local time: ``start`` included, ``end`` excluded."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``"22:00-08:00"``; raises ValueError with what is wrong."""
        found = _WINDOW.match(text)
        if found is None:
            raise ValueError(f"`{text}`: quiet hours are written HH:MM-HH:MM, e.g. 22:00-08:00")
        start, end = _clock(found[1], found[2], text), _clock(found[3], found[4], text)
        if start == end:
            raise ValueError(f"`{text}`: quiet hours start and end at the same time")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def quiet(self, local: time) -> bool:
        """Whether a local time of day falls in the window."""
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, at: datetime, tz: ZoneInfo) -> datetime:
        """``at`` itself when it is not quiet, else the instant (UTC) this quiet window ends."""
        local = at.astimezone(tz)
        now = local.time().replace(tzinfo=None)
        if not self.quiet(now):
            return at
        day = local.date()
        if self.start > self.end and now >= self.start:
            day += timedelta(days=1)
        return first_at(day, self.end, tz)


def first_at(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local time in ``tz`` is ``day`` at ``wall`` or later."""
    naive = datetime.combine(day, wall)
    a = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    b = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(a, b), max(a, b)
    if low.astimezone(tz).replace(tzinfo=None) == naive:
        return low  # the time exists (when it happens twice, its first time)
    # a DST gap: local time jumps from before ``wall`` to after it between ``low`` and ``high``
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def slot(at: datetime, taken: Iterable[datetime], gap: timedelta, quiet: QuietHours | None,
         tz: ZoneInfo) -> datetime:
    """The first instant from ``at`` outside quiet hours and at least ``gap`` from every taken slot."""
    busy = sorted(taken)
    t = at
    for _ in range(2 * len(busy) + 3):
        if quiet is not None:
            t = quiet.end_after(t, tz)
        near = [x for x in busy if abs(x - t) < gap]
        if not near:
            return t
        t = max(near) + gap
    raise AssertionError("no slot found")  # unreachable: each round moves past at least one taken slot
