"""Personal reminders as typed after ``/remind``: ``in 2h check the PR``, ``tomorrow 9am standup notes``,
``every monday 9am weekly report``. The time is split from the note and read with :func:`parse_start`.

The time is the shortest leading run of words that reads as the same start as the longest one
that reads at all, so ``18:00 friday call bob`` keeps Friday, while ``tomorrow 9am the standup``
keeps "the" in the note (dateparser alone would swallow it). The confirmation names both parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cogs.events.recurrence import Series
from cogs.events.refusal import Refusal
from cogs.events.when import NO_TIME, UNREAD_DAY, Start, describe, parse_start

MAX_NOTE = 500
MAX_TIME_WORDS = 7
REMIND_HINT = "Try `/remind in 2h check the PR`, `/remind tomorrow 9am standup notes` or " \
              "`/remind every monday 9am weekly report`."
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EVERY = re.compile(rf"every\s+(day|weekday|{'|'.join(_NAMES)})s?\s+(?:at\s+)?(.*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class PersonalReminder:
    """When (the first time, UTC), how it repeats (a :class:`Series`, or ``None``), what, and the echo."""

    at: datetime
    series: Series | None
    note: str
    confirmation: str


def parse_remind(text: str, *, tz: ZoneInfo, now: datetime) -> PersonalReminder | Refusal:
    """Split ``/remind`` arguments into a time (one-off or ``every ...``) and a note."""
    words = text.split()
    if not words:
        return Refusal("A reminder needs a time and what to remind you of.", REMIND_HINT)
    every = _EVERY.fullmatch(" ".join(words))
    if every:
        return _repeating(every.group(1).lower(), every.group(2).split(), tz=tz, now=now)
    found = _leading_start(words, tz=tz, now=now)
    if isinstance(found, Refusal):
        return found
    start, used = found
    note = _note(words[used:])
    if isinstance(note, Refusal):
        return note
    return PersonalReminder(start.at, None, note, start.confirmation)


def _repeating(unit: str, words: list[str], *, tz: ZoneInfo, now: datetime) -> PersonalReminder | Refusal:
    found = _leading_start(words[:3], tz=tz, now=now, clock_only=True)
    if isinstance(found, Refusal):
        return Refusal("A repeating reminder needs a time of day after the day.", REMIND_HINT)
    start, used = found
    note = _note(words[used:])
    if isinstance(note, Refusal):
        return note
    if unit == "day":
        rule, label = "FREQ=DAILY", "every day"
    elif unit == "weekday":
        rule, label = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday"
    else:
        rule, label = f"FREQ=WEEKLY;BYDAY={_DAYS[_NAMES.index(unit)]}", f"every {unit.title()}"
    draft = Series.create(start.local, tz, timedelta(0), rule)
    first = draft.upcoming(now, 1)
    if not first:
        return Refusal("That repetition never comes round.", REMIND_HINT)
    series = Series.create(first[0].start, tz, timedelta(0), rule)
    return PersonalReminder(first[0].start, series, note, f"{describe(first[0].start, tz)}, then {label}")


def _leading_start(words: list[str], *, tz: ZoneInfo, now: datetime,
                   clock_only: bool = False) -> tuple[Start, int] | Refusal:
    """The start read from the leading words, and how many words it took."""
    readings: list[tuple[int, Start]] = []
    telling: Refusal | None = None  # the first refusal that is about the time, not about note words in it
    for count in range(1, min(len(words), MAX_TIME_WORDS) + 1):
        result = parse_start(" ".join(words[:count]), tz=tz, now=now)
        if isinstance(result, Start):
            readings.append((count, result))
        elif telling is None and result.reason not in (NO_TIME, UNREAD_DAY):
            telling = result
        if clock_only and readings:
            break
    if not readings:
        return telling or Refusal("I couldn't find when at the start of that.", REMIND_HINT)
    target = readings[-1][1].at
    count, start = next((c, s) for c, s in readings if s.at == target)
    return start, count


def _note(words: list[str]) -> str | Refusal:
    note = " ".join(words).strip()
    if not note:
        return Refusal("What should I remind you of? Put it after the time.", REMIND_HINT)
    if len(note) > MAX_NOTE:
        return Refusal(f"A reminder note is at most {MAX_NOTE} characters.")
    return note


def next_time(reminder: PersonalReminder, after: datetime) -> datetime | None:
    """When a repeating reminder rings next after ``after`` (``None`` for a one-off already rung)."""
    if reminder.series is None:
        return reminder.at if reminder.at > after else None
    upcoming = reminder.series.upcoming(after.astimezone(UTC), 1)
    return upcoming[0].start if upcoming else None
