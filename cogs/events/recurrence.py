"""Event series as RRULEs evaluated in the event's own time zone, with per-occurrence exceptions.

The rule runs on the local wall time (DTSTART carries the IANA zone), so 18:00 stays 18:00 when the
clocks change. An occurrence is named by its *key*: its original start in UTC, the iCalendar
RECURRENCE-ID, which never changes when the occurrence is moved. A wall time the clocks skip is read
with the offset before the gap and a repeated one as its first instance, as RFC 5545 says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from cogs.events.refusal import Refusal

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4,
             "last": -1}
RECURRENCE_HINT = "Try `weekly`, `every 2 weeks`, `monthly`, `monthly on the last friday` or `none`."
MAX_COUNT = 500


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence: ``key`` is its original start (UTC), ``start``/``end`` where it really is."""

    key: datetime
    start: datetime
    end: datetime
    moved: bool = False


@dataclass(frozen=True, slots=True)
class Move:
    """One occurrence moved to another start (and perhaps another length)."""

    key: datetime
    start: datetime
    duration: timedelta


@dataclass(frozen=True, slots=True)
class Series:
    """An event: its first start in its zone, length, RRULE (``None`` for a one-off) and exceptions."""

    start: datetime
    duration: timedelta
    rule: str | None = None
    cancelled: frozenset[datetime] = field(default_factory=frozenset)
    moves: tuple[Move, ...] = ()

    @classmethod
    def create(cls, start: datetime, tz: ZoneInfo, duration: timedelta, rule: str | None = None) -> Series:
        """A series whose first occurrence starts at ``start`` (any zone), evaluated in ``tz``."""
        return cls(start=start.astimezone(tz), duration=duration, rule=rule)

    @property
    def tz(self) -> ZoneInfo:
        """The zone the rule runs in."""
        assert isinstance(self.start.tzinfo, ZoneInfo), "a series starts in an IANA zone"
        return self.start.tzinfo

    def upcoming(self, after: datetime, count: int) -> list[Occurrence]:
        """The next ``count`` occurrences starting after ``after``, moves applied, cancellations left out."""
        moved = {m.key: m for m in self.moves}
        stream: list[Occurrence] = []
        for key in self._keys(after - timedelta(days=1)):
            if len(stream) >= count:
                break
            if key <= after and key not in moved:
                continue
            if key in self.cancelled or key in moved:
                continue
            stream.append(Occurrence(key, key, key + self.duration))
        extra = [Occurrence(m.key, m.start, m.start + m.duration, moved=True) for m in self.moves
                 if m.start > after and m.key not in self.cancelled]
        return sorted(stream + extra, key=lambda o: (o.start, o.key))[:count]

    def occurrence(self, key: datetime) -> Occurrence | None:
        """The occurrence named ``key`` as it now is, or ``None`` if the rule has no such one or it is cancelled."""
        if key in self.cancelled or not self.has_key(key):
            return None
        for move in self.moves:
            if move.key == key:
                return Occurrence(key, move.start, move.start + move.duration, moved=True)
        return Occurrence(key, key, key + self.duration)

    def has_key(self, key: datetime) -> bool:
        """Whether the rule (ignoring exceptions) has an occurrence starting originally at ``key``."""
        for candidate in self._keys(key - timedelta(days=1)):
            if candidate >= key:
                return candidate == key
        return False

    def cancel(self, key: datetime) -> Series | Refusal:
        """Cancel one occurrence; the rest of the series stays."""
        if self.occurrence(key) is None:
            return Refusal("That occurrence isn't part of this event, or is already cancelled.")
        return replace(self, cancelled=self.cancelled | {key}, moves=tuple(m for m in self.moves if m.key != key))

    def restore(self, key: datetime) -> Series | Refusal:
        """Undo the cancellation of one occurrence."""
        if key not in self.cancelled:
            return Refusal("That occurrence isn't cancelled.")
        return replace(self, cancelled=self.cancelled - {key})

    def move(self, key: datetime, start: datetime, duration: timedelta | None = None) -> Series | Refusal:
        """Move one occurrence (to ``start``, optionally with a new length); the rest of the series stays."""
        current = self.occurrence(key)
        if current is None:
            return Refusal("That occurrence isn't part of this event, or is cancelled.")
        start = start.astimezone(UTC)
        length = duration or current.end - current.start
        if length <= timedelta(0):
            return Refusal("An occurrence needs a length of at least a minute.")
        others = {o.start for o in self._around(start) if o.key != key}
        if start in others:
            return Refusal("Another occurrence of this event already starts then.")
        rest = tuple(m for m in self.moves if m.key != key)
        if start == key and length == self.duration:
            return replace(self, moves=rest)  # moved back where the rule puts it: no exception left
        return replace(self, moves=(*rest, Move(key, start, length)))

    def split(self, at: datetime, *, start: datetime | None = None, rule: str | None = None,
              duration: timedelta | None = None) -> Split | Refusal:
        """Change the series from ``at`` on: this one ends before ``at``, a new one carries on.

        ``start`` is the new series' first start (default: the first occurrence from ``at``), ``rule``
        and ``duration`` its rule and length (default: this series'). Exceptions from ``at`` on belong
        to occurrences that no longer exist and are returned in ``dropped``.
        """
        if self.rule is None:
            return Refusal("A one-off event has no series to change from a date on; edit the event instead.")
        keys = list(_until(self._keys(self.start - timedelta(days=1)), at))
        first_new = next(iter(self._keys(at - timedelta(seconds=1))), None)
        if not keys:
            return Refusal("The series doesn't start before that date: change the whole series instead.")
        if first_new is None and start is None:
            return Refusal("The series has no occurrences from that date on.")
        parts = rule_parts(self.rule)
        old_parts = {k: v for k, v in parts.items() if k not in ("COUNT", "UNTIL")}
        old_parts["UNTIL"] = f"{keys[-1]:%Y%m%dT%H%M%SZ}"
        if rule is None:
            new_parts = dict(parts)
            if "COUNT" in parts:
                new_parts["COUNT"] = str(max(int(parts["COUNT"]) - len(keys), 1))
            rule = join_rule(new_parts)
        new_start = (start or first_new or at).astimezone(self.tz)
        dropped = frozenset(k for k in self.cancelled if k >= at) | {m.key for m in self.moves if m.key >= at}
        old = replace(self, rule=join_rule(old_parts), cancelled=frozenset(k for k in self.cancelled if k < at),
                      moves=tuple(m for m in self.moves if m.key < at))
        new = Series(start=new_start, duration=duration or self.duration, rule=rule)
        if not new.has_key(new_start.astimezone(UTC)):
            return Refusal("The new start doesn't fit the repetition.", "Give the new repetition too.")
        return Split(old=old, new=new, dropped=frozenset(dropped))

    def _keys(self, after: datetime) -> Iterator[datetime]:
        """Original starts (UTC, ascending) of the rule after ``after``, ignoring exceptions."""
        if self.rule is None:
            if self.start.astimezone(UTC) > after:
                yield self.start.astimezone(UTC)
            return
        evaluated = rrulestr(self.rule, dtstart=self.start)
        # Same-zone aware datetimes compare by wall time, so the bound is a day early and the filter in UTC.
        local_after = after.astimezone(self.tz) - timedelta(days=1)
        for produced in evaluated.xafter(local_after, count=None, inc=False):
            when = produced.astimezone(UTC)
            if when > after:
                yield when

    def _around(self, moment: datetime) -> list[Occurrence]:
        return self.upcoming(moment - timedelta(days=1), 64)


@dataclass(frozen=True, slots=True)
class Split:
    """The two halves of a series changed from a date on, and the exceptions that no longer apply."""

    old: Series
    new: Series
    dropped: frozenset[datetime]


def weekly(start: datetime, every: int = 1) -> str:
    """Every ``every`` weeks on the weekday of ``start`` (a local time)."""
    interval = f";INTERVAL={every}" if every > 1 else ""
    return f"FREQ=WEEKLY{interval};BYDAY={_DAYS[start.weekday()]}"


def monthly_on_day(start: datetime) -> str:
    """Monthly on ``start``'s day of the month; the 29th–31st fall on the last day of shorter months."""
    if start.day <= 28:
        return f"FREQ=MONTHLY;BYMONTHDAY={start.day}"
    days = ",".join(str(d) for d in range(28, start.day + 1))
    return f"FREQ=MONTHLY;BYMONTHDAY={days};BYSETPOS=-1"


def monthly_on_weekday(start: datetime, *, last: bool = False) -> str:
    """Monthly on ``start``'s weekday and its place in the month (2nd Tuesday), or the last one.

    ``last`` needs a start in the last seven days of its month (``parse_recurrence`` refuses others).
    """
    nth = (start.day - 1) // 7 + 1
    if last and not _in_last_week(start):
        raise ValueError("the start is not the last of its weekday in its month")
    place = -1 if last or nth == 5 else nth
    return f"FREQ=MONTHLY;BYDAY={place}{_DAYS[start.weekday()]}"


def parse_recurrence(text: str, start: datetime) -> str | Refusal | None:
    """Read a recurrence choice for a series starting at local ``start``; ``None`` means a one-off."""
    raw = " ".join(text.lower().split())
    if raw in ("", "none", "no", "once", "never", "one-off", "one off"):
        return None
    if raw in ("daily", "every day"):
        return "FREQ=DAILY"
    if raw in ("weekly", "every week"):
        return weekly(start)
    if raw in ("fortnightly", "biweekly", "every other week", "every two weeks"):
        return weekly(start, 2)
    if m := re.fullmatch(r"every ([0-9]{1,2}) weeks", raw, flags=re.ASCII):
        every = int(m.group(1))
        if not 1 <= every <= 12:
            return Refusal("Every 1 to 12 weeks can be repeated.", RECURRENCE_HINT)
        return weekly(start, every)
    if raw in ("monthly", "every month"):
        return monthly_on_day(start)
    if m := re.fullmatch(r"(?:monthly|every month) on the ([0-9]{1,2})(?:st|nd|rd|th)?", raw, flags=re.ASCII):
        if int(m.group(1)) != start.day:
            return Refusal(f"The first occurrence is on the {_nth(start.day)}, not the {_nth(int(m.group(1)))}.",
                           "Start the event on that day, or say `monthly`.")
        return monthly_on_day(start)
    names = "|".join(_DAY_NAMES)
    places = "|".join(_ORDINALS)
    if m := re.fullmatch(rf"(?:(?:monthly|every month) on )?the ({places}) ({names})(?: of (?:the|each|every) month)?",
                         raw):
        place, day = _ORDINALS[m.group(1)], _DAY_NAMES.index(m.group(2))
        actual = (start.day - 1) // 7 + 1
        if day != start.weekday() or (place == -1 and not _in_last_week(start)) or (place > 0 and place != actual):
            return Refusal(f"The first occurrence isn't the {m.group(1)} {m.group(2).title()} of its month.",
                           "Start the event on such a day, or pick the rule its start fits.")
        return monthly_on_weekday(start, last=place == -1)
    return Refusal("I don't know that repetition.", RECURRENCE_HINT)


def rule_parts(rule: str) -> dict[str, str]:
    """``FREQ=WEEKLY;BYDAY=FR`` as ``{"FREQ": "WEEKLY", "BYDAY": "FR"}`` (order kept)."""
    return dict(part.split("=", 1) for part in rule.removeprefix("RRULE:").split(";") if "=" in part)


def join_rule(parts: dict[str, str]) -> str:
    """The inverse of :func:`rule_parts`."""
    return ";".join(f"{k}={v}" for k, v in parts.items())


def check_rule(rule: str, start: datetime) -> Refusal | None:
    """Refuse a stored or admin-written RRULE that dateutil can't read or that repeats more than daily."""
    try:
        evaluated = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError, KeyError, OverflowError):
        return Refusal("That RRULE can't be read.", RECURRENCE_HINT)
    if not isinstance(evaluated, rrule) or rule_parts(rule).get("FREQ") not in ("DAILY", "WEEKLY", "MONTHLY",
                                                                                   "YEARLY"):
        return Refusal("Events repeat at most daily.", RECURRENCE_HINT)
    if next(iter(evaluated), None) != start:
        return Refusal("The first start isn't one of the rule's own dates.", RECURRENCE_HINT)
    return None


def _in_last_week(start: datetime) -> bool:
    return (start + timedelta(days=7)).month != start.month


def _until(keys: Iterator[datetime], at: datetime) -> Iterator[datetime]:
    for key in keys:
        if key >= at:
            return
        yield key


def _nth(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
