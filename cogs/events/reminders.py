"""Reminder times for an occurrence, their idempotency keys, moves, and when a reminder is too late.

A reminder is due ``offset`` before the start. It is worth sending until it *expires*: at the start
(a "starts in 10 minutes" note is worthless once it has started), earlier if the next, shorter
reminder is already due (that one supersedes it — after a restart nobody gets "tomorrow" and "in
an hour" together), and earlier still past the configured grace. An offset of zero is the start
announcement, worth sending until ``grace`` after the start.

Keys: one per (event, occurrence, offset) *for the start it announces*. A move changes the start,
so the new reminders have new keys and the pending old ones are superseded; moving back to a start
already announced gives the old key again, and the outbox does not send it twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.durations import format_duration
from cogs.events.recurrence import Occurrence
from cogs.events.refusal import Refusal
from cogs.events.when import parse_length

MAX_OFFSETS = 5
LONGEST_OFFSET = timedelta(days=30)
OFFSETS_HINT = "Try `24h, 1h` or `1 day, 10m`; `start` announces the start itself."
_SPLIT = re.compile(r"\s*(?:,|;|\band\b)\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of one occurrence, due at ``due``, worth sending until ``expires``."""

    key: str
    event: str
    occurrence: datetime
    offset: timedelta
    start: datetime
    due: datetime
    expires: datetime


@dataclass(frozen=True, slots=True)
class Plan:
    """The reminders to schedule and the offsets already past when planning (the start is nearer)."""

    reminders: tuple[Reminder, ...]
    too_late: tuple[timedelta, ...]

    def explain_too_late(self) -> str:
        """A sentence for the creator naming the offsets skipped, or ``""``."""
        if not self.too_late:
            return ""
        names = ", ".join(format_duration(o) for o in self.too_late)
        return f"No {names} reminder: the event starts sooner than that."


@dataclass(frozen=True, slots=True)
class Reschedule:
    """What a move or a cancel does to pending reminders."""

    superseded: tuple[Reminder, ...]
    added: tuple[Reminder, ...]
    kept: tuple[Reminder, ...]
    too_late: tuple[timedelta, ...]


class Verdict(StrEnum):
    """What to do with a reminder now."""

    WAIT = "wait"
    SEND = "send"
    SEND_LATE = "send_late"
    EXPIRED = "expired"


def reminder_key(event: str, occurrence: datetime, offset: timedelta, start: datetime) -> str:
    """The idempotency key of one reminder: event, occurrence, offset and the start it announces."""
    seconds = int(offset.total_seconds())
    return f"events:{event}:{occurrence:%Y%m%dT%H%M%SZ}:{seconds}s:{start:%Y%m%dT%H%M%SZ}"


def delivery_key(reminder: Reminder, person: str) -> str:
    """The idempotency key of that reminder for one person (one DM or one mention)."""
    return f"{reminder.key}:{person}"


def plan(event: str, occurrence: Occurrence, offsets: Sequence[timedelta], now: datetime, *,
         grace: timedelta | None = None, announce_grace: timedelta = timedelta(minutes=15)) -> Plan:
    """The reminders of one occurrence for these offsets, with each one's expiry; past ones reported."""
    ordered = sorted(set(offsets), reverse=True)
    reminders: list[Reminder] = []
    too_late: list[timedelta] = []
    for index, offset in enumerate(ordered):
        due = occurrence.start - offset
        if offset > timedelta(0):
            limits = [occurrence.start]
            if index + 1 < len(ordered):
                limits.append(occurrence.start - ordered[index + 1])
        else:
            limits = [occurrence.start + announce_grace]
        if grace is not None:
            limits.append(due + grace)
        expires = min(limits)
        if due < now or expires <= now:  # an offset longer than the time left: announced as skipped
            too_late.append(offset)
            continue
        key = reminder_key(event, occurrence.key, offset, occurrence.start)
        reminders.append(Reminder(key, event, occurrence.key, offset, occurrence.start, due, expires))
    return Plan(tuple(reminders), tuple(too_late))


def reschedule(pending: Sequence[Reminder], event: str, occurrence: Occurrence | None,
               offsets: Sequence[timedelta], now: datetime, *, grace: timedelta | None = None,
               announce_grace: timedelta = timedelta(minutes=15)) -> Reschedule:
    """After an edit, move or cancel: supersede the pending reminders that no longer apply, add the new ones.

    ``pending`` are this occurrence's reminders not yet sent; ``occurrence`` is ``None`` when cancelled.
    """
    if occurrence is None:
        return Reschedule(superseded=tuple(pending), added=(), kept=(), too_late=())
    fresh = plan(event, occurrence, offsets, now, grace=grace, announce_grace=announce_grace)
    old = {r.key for r in pending}
    new = {r.key for r in fresh.reminders}
    return Reschedule(
        superseded=tuple(r for r in pending if r.key not in new),
        added=tuple(r for r in fresh.reminders if r.key not in old),
        kept=tuple(r for r in pending if r.key in new),
        too_late=fresh.too_late,
    )


def verdict(reminder: Reminder, now: datetime, *, late_after: timedelta = timedelta(minutes=1)) -> Verdict:
    """Wait, send, send marked late (due over ``late_after`` ago, say after a restart) or drop as expired."""
    if now < reminder.due:
        return Verdict.WAIT
    if now >= reminder.expires:
        return Verdict.EXPIRED
    return Verdict.SEND_LATE if now - reminder.due > late_after else Verdict.SEND


def parse_offsets(text: str) -> tuple[timedelta, ...] | Refusal:
    """Read ``24h, 1h, 10m`` (and ``start`` for the start announcement), longest first, no repeats."""
    parts = [p for p in _SPLIT.split(text.strip()) if p]
    if not parts:
        return ()
    if len(parts) > MAX_OFFSETS:
        return Refusal(f"At most {MAX_OFFSETS} reminders per event.", OFFSETS_HINT)
    found: set[timedelta] = set()
    for part in parts:
        if part.lower() in ("start", "at start", "at the start", "0", "0m"):
            found.add(timedelta(0))
            continue
        length = parse_length(part, shortest=timedelta(minutes=1), longest=LONGEST_OFFSET)
        if isinstance(length, Refusal):
            return Refusal(f"A reminder offset: {length.reason[:1].lower()}{length.reason[1:]}", OFFSETS_HINT)
        found.add(length)
    return tuple(sorted(found, reverse=True))
