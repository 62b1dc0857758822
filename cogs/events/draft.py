"""An event as typed into the create and edit forms, read into a checked draft or a list of refusals (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.components import Form, FormField
from cogs.events.recurrence import Series, parse_recurrence
from cogs.events.refusal import Refusal
from cogs.events.reminders import parse_offsets
from cogs.events.when import Start, parse_length, parse_start

MAX_TITLE = 150
MAX_CAPACITY = 100_000


@dataclass(frozen=True, slots=True)
class Draft:
    """A checked event: what it is, its series, seats and reminders, and the start as understood."""

    title: str
    place: str
    description: str
    series: Series
    capacity: int | None
    offsets: tuple[timedelta, ...]
    confirmation: str


def minute(at: datetime) -> datetime:
    """A start to the minute (``in 3 hours`` carries seconds; occurrence keys travel in buttons to the second)."""
    return at.replace(second=0, microsecond=0)


def create_form(value: str = "") -> Form:
    """The form ``/event create`` opens (five fields: the most a Discord modal holds)."""
    return Form("events:create", "New event", (
        FormField("title", "Title", max_length=MAX_TITLE, placeholder="Game night"),
        FormField("start", "Starts (in your time zone)", placeholder="next friday 18:00"),
        FormField("length", "Length", required=False, placeholder="2h"),
        FormField("place", "Link or place", required=False, max_length=300, placeholder="https://meet.example/x"),
        FormField("details", "Seats, repeat, reminders", required=False, max_length=200,
                  placeholder="capacity 20; weekly; reminders 24h, 1h"),
    ), value=value, intro="the start is read in your own time zone and echoed back before anything is posted")


def edit_form(number: int) -> Form:
    """The form ``/event edit N`` opens: a blank field keeps what is there."""
    return Form("events:edit", f"Edit event #{number}", (
        FormField("title", "Title", required=False, max_length=MAX_TITLE),
        FormField("start", "Starts (blank: unchanged)", required=False),
        FormField("length", "Length", required=False),
        FormField("place", "Link or place", required=False, max_length=300),
        FormField("details", "Seats, repeat, reminders", required=False, max_length=200,
                  placeholder="capacity 30; every 2 weeks; reminders 2h"),
    ), value=str(number), intro="blank fields (and parts not written) stay as they are; `once` ends a repetition")


def read_changes(text: str, start_local: datetime) -> dict[str, Any] | Refusal:
    """``capacity 20; weekly; reminders 24h, 1h`` (any order, any part left out): only the parts written,
    as ``capacity`` (None: no limit), ``rule`` (None: once) and ``offsets``."""
    found: dict[str, Any] = {}
    for part in (p.strip() for p in text.replace("\n", ";").split(";")):
        if not part:
            continue
        word, _, rest = part.partition(" ")
        lowered = word.lower()
        if lowered in ("capacity", "seats", "cap"):
            number = read_capacity(rest)
            if isinstance(number, Refusal):
                return number
            found["capacity"] = number
        elif lowered in ("reminders", "reminder", "remind"):
            read = parse_offsets(rest) if rest.strip().lower() not in ("none", "no", "off") else ()
            if isinstance(read, Refusal):
                return read
            found["offsets"] = tuple(o for o in read if o > timedelta(0))
        else:
            rule = parse_recurrence(part, start_local)
            if isinstance(rule, Refusal):
                return Refusal(f"I didn't understand “{part[:40]}”: {rule.reason}",
                               "Write e.g. `capacity 20; weekly; reminders 24h, 1h`.")
            found["rule"] = rule
    return found


def read_details(text: str, start_local: datetime, default_offsets: Sequence[timedelta]
                 ) -> tuple[int | None, str | None, tuple[timedelta, ...]] | Refusal:
    """The create form's details as capacity, RRULE and offsets (the config's offsets when none are written)."""
    found = read_changes(text, start_local)
    if isinstance(found, Refusal):
        return found
    return found.get("capacity"), found.get("rule"), found.get("offsets", tuple(default_offsets))


def read_capacity(text: str) -> int | Refusal | None:
    """A capacity: a whole number from 1, or ``none`` for no limit."""
    raw = text.strip().lower()
    if raw in ("", "none", "no", "unlimited", "-"):
        return None
    if not raw.isascii() or not raw.isdigit():
        return Refusal(f"A capacity is a whole number, not “{text.strip()[:20]}”.", "Write e.g. `capacity 20`.")
    number = int(raw)
    if not 1 <= number <= MAX_CAPACITY:
        return Refusal(f"A capacity is from 1 to {MAX_CAPACITY}.")
    return number


def read_draft(fields: Mapping[str, str], *, tz: ZoneInfo, now: datetime, default_length: timedelta,
               default_offsets: Sequence[timedelta]) -> Draft | list[str]:
    """Check the create form; every problem is returned at once, worded for the creator."""
    problems: list[str] = []
    title = " ".join(fields.get("title", "").split())
    if not title:
        problems.append("Title: give the event a name.")
    start = parse_start(fields.get("start", ""), tz=tz, now=now)
    if isinstance(start, Refusal):
        problems.append(f"Starts: {start.message()}")
    length: timedelta | Refusal = default_length
    if fields.get("length", "").strip():
        length = parse_length(fields["length"])
        if isinstance(length, Refusal):
            problems.append(f"Length: {length.message()}")
    if problems or not isinstance(start, Start) or not isinstance(length, timedelta):
        return problems
    details = read_details(fields.get("details", ""), start.local, default_offsets)
    if isinstance(details, Refusal):
        return [f"Seats, repeat, reminders: {details.message()}"]
    capacity, rule, offsets = details
    series = Series.create(minute(start.at), tz, length, rule)
    return Draft(title=title, place=fields.get("place", "").strip(), description="", series=series,
                 capacity=capacity, offsets=offsets, confirmation=start.confirmation)
