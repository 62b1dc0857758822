"""What the events cog shows: the event card with its RSVP buttons, and the lines of /event list and info."""

from __future__ import annotations

from datetime import datetime

from bot.components import Button
from bot.content import Content, Moment, Segment, UserText, fmt
from bot.durations import format_duration
from cogs.events.recurrence import Occurrence
from cogs.events.rsvp import Counts
from cogs.events.store import Event

RSVP = "events:rsvp"
CHECKIN = "events:checkin"
RATE = "events:rate"


def stamp(at: datetime) -> str:
    """An occurrence key as it travels in a button value."""
    return f"{at:%Y%m%dT%H%M%SZ}"


def value(event: Event, occurrence: Occurrence, choice: str) -> str:
    """A button value naming the event, the occurrence and the choice."""
    return f"{event.id}:{stamp(occurrence.key)}:{choice}"


def repeats(event: Event) -> str:
    """``weekly``-style words for the event's rule, or ``""``."""
    rule = event.series.rule
    if not rule:
        return ""
    if "FREQ=WEEKLY" in rule:
        interval = next((p.split("=")[1] for p in rule.split(";") if p.startswith("INTERVAL=")), "1")
        return "weekly" if interval == "1" else f"every {interval} weeks"
    return "monthly" if "FREQ=MONTHLY" in rule else "daily" if "FREQ=DAILY" in rule else "repeating"


def card(event: Event, occurrence: Occurrence | None, counts: Counts, *, closed: str = "") -> Content:
    """The card: title, when (native time, so each reader sees their zone), where, counts, buttons."""
    segments: list[Segment] = [*fmt("📅 Event #{n}: ", n=event.number).segments, UserText(event.title), "\n"]
    if occurrence is None:
        segments.append("No occurrences left.\n")
    else:
        segments += ["When: ", Moment(occurrence.start, "F"), ", ", format_duration(occurrence.end - occurrence.start),
                     ", " + repeats(event) + "\n" if repeats(event) else "\n"]
        if occurrence.moved:
            segments.append("This occurrence was moved.\n")
    if event.place:
        segments += ["Where: ", UserText(event.place), "\n"]
    if event.description:
        segments += [UserText(event.description), "\n"]
    seats = "" if counts.seats_left is None else f" · {counts.seats_left} seat(s) left"
    wait = f" · {counts.waitlist} waiting" if counts.waitlist else ""
    segments += fmt("Going {g} · Maybe {m} · Can't go {n}{wait}{seats}", g=counts.going, m=counts.maybe,
                    n=counts.not_going, wait=wait, seats=seats).segments
    if closed:
        segments += ["\n", closed]
    if closed or occurrence is None:
        return Content(tuple(segments))
    return Content(tuple(segments), buttons=(
        Button("Going", RSVP, value(event, occurrence, "going"), "success"),
        Button("Maybe", RSVP, value(event, occurrence, "maybe")),
        Button("Can't go", RSVP, value(event, occurrence, "not_going"), "danger"),
    ))


def line(event: Event, occurrence: Occurrence | None, counts: Counts) -> tuple[Segment, ...]:
    """One event in /event list."""
    when: tuple[Segment, ...] = (Moment(occurrence.start, "F"),) if occurrence else ("no occurrences left",)
    return (f"#{event.number} ", UserText(event.title), " — ", *when,
            f" — going {counts.going}" + (f"/{event.capacity}" if event.capacity else "") + "\n")
