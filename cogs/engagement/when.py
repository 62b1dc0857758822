"""When an announcement goes out, without I/O: ``at 18:00``, ``at tomorrow 9:30``, ``at 2026-12-24 09:00``, ``in 2h``.

A small grammar on purpose: an announcement's time must be exact, and every reading that is not
is refused saying what to write. Wall times are the community's; a time in a DST gap or fold is refused
(it does not exist, or exists twice), one in the past too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.durations import DurationError, format_duration, parse_duration

HINT = "Write `at 18:00`, `at tomorrow 9:30`, `at 2026-12-24 09:00` or `in 2h`."
LONGEST = timedelta(days=365)
_AT = re.compile(r"^(?:(?P<day>today|tomorrow|\d{4}-\d{2}-\d{2})\s+)?(?P<h>\d{1,2})[:.](?P<m>\d{2})$", re.IGNORECASE)
_TAIL = re.compile(r"\s+(?P<how>at|in)\s+(?P<when>(?:today\s+|tomorrow\s+|\d{4}-\d{2}-\d{2}\s+)?\d{1,2}[:.]\d{2}|"
                   r"\d+[smhdw][\dsmhdw ]*)\s*$", re.IGNORECASE)


class WhenError(ValueError):
    """A time that can't be used; the message says what to write."""


def split_time(text: str) -> tuple[str, str | None]:
    """The announcement's text and its trailing ``at ...`` / ``in ...`` (None: post now)."""
    found = _TAIL.search(text)
    if found is None:
        return text.strip(), None
    return text[:found.start()].strip(), f"{found.group('how').lower()} {found.group('when').strip()}"


def parse_when(spec: str, now: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant ``spec`` names, later than ``now``; raises WhenError."""
    spec = " ".join(spec.split())
    how, _, rest = spec.partition(" ")
    if how.lower() == "in":
        try:
            delay = parse_duration(rest)
        except DurationError as exc:
            raise WhenError(f"{exc}. {HINT}") from None
        if delay > LONGEST:
            raise WhenError(f"That is more than {format_duration(LONGEST)} away.")
        return now + delay
    found = _AT.match(rest) if how.lower() == "at" else None
    if found is None:
        raise WhenError(f"I couldn't read `{spec[:60]}`. {HINT}")
    hour, minute = int(found.group("h")), int(found.group("m"))
    if hour > 23 or minute > 59:
        raise WhenError(f"{hour:02d}:{minute:02d} is not a time of day. {HINT}")
    today = now.astimezone(tz).date()
    word = (found.group("day") or "today").lower()
    if word == "today":
        day = today
    elif word == "tomorrow":
        day = today + timedelta(days=1)
    else:
        try:
            day = date.fromisoformat(word)
        except ValueError:
            raise WhenError(f"{word} is not a date. {HINT}") from None
    wall = datetime.combine(day, time(hour, minute))
    at = wall.replace(tzinfo=tz)
    if at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        raise WhenError(f"{wall:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks go forward then).")
    if wall.replace(tzinfo=tz, fold=1).utcoffset() != at.utcoffset():
        raise WhenError(f"{wall:%Y-%m-%d %H:%M} happens twice in {tz.key} (the clocks go back); pick another minute.")
    instant = at.astimezone(UTC)
    if instant <= now:
        local = now.astimezone(tz)
        raise WhenError(f"{wall:%Y-%m-%d %H:%M} is in the past (it is {local:%Y-%m-%d %H:%M} in {tz.key} now); "
                        f"give a time still to come.")
    if instant - now > LONGEST:
        raise WhenError(f"That is more than {format_duration(LONGEST)} away.")
    return instant
