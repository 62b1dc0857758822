"""iCalendar (.ics) for one event or a feed: RRULE, EXDATE for cancelled occurrences, RECURRENCE-ID for moved ones.

Times are written in the event's zone (``DTSTART;TZID=Europe/London``) with a VTIMEZONE generated
from the IANA data, so a calendar app shows 18:00 local every week across DST, exactly as
:class:`~cogs.events.recurrence.Series` evaluates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, vRecur

from cogs.events.recurrence import Series

PRODID = "-//Steward//events//EN"
ZONE_YEARS = 10  # the VTIMEZONE lists every transition this far past the latest start (or now)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """What an .ics needs to know about one event (one series; a split series is two of these)."""

    uid: str
    title: str
    series: Series
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    sequence: int = 0


def event_ics(event: CalendarEvent, now: datetime) -> bytes:
    """An .ics file holding one event, its rule and its exceptions."""
    return feed_ics([event], now)


def feed_ics(events: Sequence[CalendarEvent], now: datetime, name: str = "") -> bytes:
    """An .ics feed of several events (``steward events ics``)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if name:
        calendar.add("x-wr-calname", clean_text(name))
    for event in events:
        for component in _components(event, now):
            calendar.add_component(component)
    first, last = _span(events, now)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def clean_text(value: str) -> str:
    """Member text made writable: lone surrogates become U+FFFD, control characters other than newlines go."""
    out: list[str] = []
    for ch in value:
        if "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
        elif ch in "\n\t" or ch.isprintable():
            out.append(ch)
    return "".join(out)


def _span(events: Sequence[CalendarEvent], now: datetime) -> tuple[date, date]:
    """The dates the VTIMEZONEs must cover: the earliest start to ZONE_YEARS past the latest or now."""
    starts = [e.series.start.astimezone(UTC) for e in events] + [m.start for e in events for m in e.series.moves]
    earliest = min(starts, default=now).date() - timedelta(days=1)
    latest = max([*starts, now]).date()
    return earliest, latest.replace(year=latest.year + ZONE_YEARS, day=min(latest.day, 28))


def _components(event: CalendarEvent, now: datetime) -> list[Event]:
    series, tz = event.series, event.series.tz
    main = _base(event, now)
    main.add("dtstart", series.start)
    main.add("dtend", series.start + series.duration)
    if series.rule:
        main.add("rrule", vRecur.from_ical(series.rule))
    if series.cancelled:
        main.add("exdate", sorted(key.astimezone(tz) for key in series.cancelled))
    out = [main]
    for move in sorted(series.moves, key=lambda m: m.key):
        moved = _base(event, now)
        moved.add("recurrence-id", move.key.astimezone(tz))
        moved.add("dtstart", move.start.astimezone(tz))
        moved.add("dtend", (move.start + move.duration).astimezone(tz))
        out.append(moved)
    return out


def _base(event: CalendarEvent, now: datetime) -> Event:
    component = Event()
    component.add("uid", clean_text(event.uid))
    component.add("dtstamp", now.astimezone(UTC))
    component.add("sequence", event.sequence)
    component.add("summary", clean_text(event.title))
    if event.description:
        component.add("description", clean_text(event.description))
    if event.location:
        component.add("location", clean_text(event.location))
    if event.url:
        component.add("url", clean_text(event.url))
    component.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return component
