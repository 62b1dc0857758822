"""Periods as people write them (``7d``, ``30d``, ``4w``) turned into day-number windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.durations import DurationError, parse_duration
from cogs.analytics.queries import Window

EPOCH = date(1970, 1, 1).toordinal()
MAX_DAYS = 366


class PeriodError(ValueError):
    """A period that could not be read; the message is for people."""


def day_number(at: datetime, tz: ZoneInfo) -> int:
    """The community-local date of an instant as days since 1970-01-01."""
    return at.astimezone(tz).date().toordinal() - EPOCH


def day_bounds(at: datetime, tz: ZoneInfo) -> tuple[int, int, int]:
    """``(start, end, day)``: the day number of ``at`` and unix seconds ``start`` ≤ t < ``end`` that all
    fall on it (its local day, or only ``at``'s second on a day whose midnight the zone skips)."""
    day = day_number(at, tz)
    start, end = (int(local_midnight(d, tz).timestamp()) for d in (day, day + 1))
    ts = int(at.timestamp())
    if not start <= ts < end or {day_number(datetime.fromtimestamp(t, UTC), tz) for t in (start, end - 1)} != {day}:
        return ts, ts + 1, day
    return start, end, day


def day_date(day: int) -> date:
    """A day number back as a date."""
    return date.fromordinal(day + EPOCH)


def local_midnight(day: int, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (DST-correct: 23 or 25 hours apart around a change)."""
    return datetime.combine(day_date(day), time(0), tzinfo=tz).astimezone(UTC)


def parse_days(text: str) -> int:
    """``30d`` → 30; whole days from 1 to a year, else :class:`PeriodError` saying what works."""
    raw = (text or "").strip()
    try:
        delta = parse_duration(raw)
    except DurationError as exc:
        raise PeriodError(f"{exc} (a period is whole days or weeks: 7d, 30d, 4w)") from None
    if delta % timedelta(days=1):
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        raise PeriodError(f"`{shown}` isn't whole days: a period is 7d, 30d or 4w")
    days = delta // timedelta(days=1)
    if days > MAX_DAYS:
        raise PeriodError(f"a period is at most {MAX_DAYS} days")
    return days


def window(community: str, days: int, now: datetime, tz: ZoneInfo) -> Window:
    """The last ``days`` local days up to and including today."""
    end = day_number(now, tz) + 1
    start = end - days
    return Window(community, start, end, local_midnight(start, tz), local_midnight(end, tz))
