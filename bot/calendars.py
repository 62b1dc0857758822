"""Calendars: recurring work evaluated in a community's time zone, kept in ``core_jobs``.

How a cog uses it:

- Declared on the cog: ``@every(cron="0 9 * * MON", tz="community")`` on a method taking a
  :class:`~bot.scheduler.JobRun` (``bot.cog.every``; ``rrule="FREQ=..."`` works too).
- Built from config: a settings field typed :data:`RecurrenceField` accepts a cron expression
  (``"0 9 * * 1"``) or an RRULE (``"FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"``, with ``DTSTART:`` and
  ``EXDATE:`` lines if wanted, in local time); a bad one is a config error with file:line and
  key path. In ``setup()`` the cog calls ``self.ctx.calendar(name, when, kind, payload)`` where
  ``kind`` is one of its ``@job`` kinds.

Each occurrence is one job whose key names it (``<community>:cal:<cog>.<name>:2026-01-05T09:00``,
local time), so it runs once even across restarts and reloads. Only the next occurrence is
stored; when it runs, the one after is stored in the same transaction. Start-up and reload
reconcile the declared calendars with the table: new ones are added, changed ones moved,
removed ones cancelled, and nothing is duplicated. Times are wall-clock times in the zone: a
09:00 prompt stays at 09:00 across DST; a time that does not exist that day (the spring gap) is
moved forward by the gap, and one that happens twice (autumn) runs at its first occurrence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from croniter import CroniterBadCronError, CroniterBadDateError, croniter
from dateutil.rrule import rruleset, rrulestr
from pydantic import PlainSerializer, PlainValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.job_rows import add_job
from bot.scheduler import PENDING, Scheduler, jobs

log = logging.getLogger(__name__)

_RRULE_START = re.compile(r"^\s*(RRULE:|DTSTART|EXDATE|RDATE|FREQ=)", re.IGNORECASE)
_ANCHOR = datetime(2020, 1, 1)  # DTSTART of an RRULE written without one: midnight, so BYHOUR sets the time
_LOOKBACK = timedelta(hours=3)  # wider than any DST shift, so an occurrence in a fold is not missed
_MAX_STEPS = 5000
_TICK = timedelta(seconds=1)


@dataclass(frozen=True)
class Recurrence:
    """A parsed cron expression or RRULE; :meth:`next_after` gives the next UTC instant."""

    text: str
    kind: Literal["cron", "rrule"]

    @classmethod
    def parse(cls, value: str) -> Recurrence:
        """Parse a cron expression (5 fields) or an RRULE; raises ValueError saying what is wrong."""
        if not isinstance(value, str) or not value.strip():
            raise ValueError('expected a cron expression like "0 9 * * MON" or an RRULE like "FREQ=WEEKLY;BYDAY=MO"')
        value = value.strip()
        if _RRULE_START.match(value):
            rec = cls(value, "rrule")
            rec._rule()  # validates
            return rec
        fields_ = value.split()
        if len(fields_) != 5:
            raise ValueError(f"a cron expression has 5 fields (minute hour day month weekday), got {len(fields_)}")
        try:
            croniter(value, _ANCHOR).get_next(datetime)
        except (CroniterBadCronError, CroniterBadDateError, ValueError, KeyError) as exc:
            raise ValueError(f"not a valid cron expression: {exc}") from None
        return cls(value, "cron")

    def _rule(self) -> rruleset:
        text = self.text
        if re.search(r"TZID=|\d{8}T\d{6}Z", text, re.IGNORECASE):
            raise ValueError("write times in an RRULE without TZID or Z: the calendar's own time zone applies")
        lines = [ln.strip() for ln in re.split(r"[\n]+", text) if ln.strip()]
        if len(lines) == 1 and lines[0].upper().startswith("FREQ="):
            lines = [f"RRULE:{lines[0]}"]
        body = "\n".join(lines)
        try:
            if any(ln.upper().startswith("DTSTART") for ln in lines):
                rule = rrulestr(body, forceset=True)
            else:
                rule = rrulestr(body, forceset=True, dtstart=_ANCHOR)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise ValueError(f"not a valid RRULE: {exc}") from None
        if not isinstance(rule, rruleset):
            raise ValueError("not a valid RRULE")
        return rule

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime | None:
        """The first occurrence strictly after ``after`` (UTC, aware), or None when the rule ended."""
        after = utc(after)
        cursor = after.astimezone(tz).replace(tzinfo=None) - _LOOKBACK
        if self.kind == "cron":
            it = croniter(self.text, cursor)
            for _ in range(_MAX_STEPS):
                at = localise(it.get_next(datetime), tz)
                if at > after:
                    return at
            return None
        rule = self._rule()
        for _ in range(_MAX_STEPS):
            naive = rule.after(cursor, inc=False)
            if naive is None:
                return None
            at = localise(naive, tz)
            if at > after:
                return at
            cursor = naive
        return None

    def occurrences(self, after: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
        """The next ``count`` occurrences (for tests and previews)."""
        out: list[datetime] = []
        cursor = after
        while len(out) < count:
            nxt = self.next_after(cursor, tz)
            if nxt is None:
                break
            out.append(nxt)
            cursor = nxt
        return out


def localise(naive: datetime, tz: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant: a time in the spring gap moves forward by the gap,
    a time that happens twice is its first occurrence (PEP 495 ``fold=0``)."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _validate(value: Any) -> Recurrence:
    if isinstance(value, Recurrence):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a cron expression or an RRULE as text, got `{value}`")
    return Recurrence.parse(value)


RecurrenceField = Annotated[Recurrence, PlainValidator(_validate), PlainSerializer(lambda r: r.text)]
"""A config field holding a cron expression or an RRULE."""


@dataclass(frozen=True)
class Calendar:
    """One declared calendar of one cog in one community."""

    cog: str
    name: str
    when: Recurrence
    tz: ZoneInfo
    kind: str  # the scheduler job kind, ``<cog>.<job kind>``
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        """``<cog>.<name>``, unique in a community."""
        return f"{self.cog}.{self.name}"

    def key(self, community: str, at: datetime) -> str:
        """The idempotency key of the occurrence at ``at`` (named by its local time)."""
        local = utc(at).astimezone(self.tz)
        return f"{community}:cal:{self.ident}:{local.strftime('%Y-%m-%dT%H:%M')}"

    def job_payload(self) -> dict[str, Any]:
        """What the job row carries: the calendar's id and the declared payload."""
        return {**self.payload, "calendar": self.ident}


def prefix(community: str) -> str:
    """The key prefix of every calendar job of a community."""
    return f"{community}:cal:"


async def reconcile(scheduler: Scheduler, community: str, calendars: Sequence[Calendar], now: datetime) -> int:
    """Make the pending calendar jobs of a community match the declared calendars; returns changes.

    Idempotent: a second call with the same calendars changes nothing.
    """
    wanted = {c.ident: c for c in calendars}
    if len(wanted) != len(calendars):
        raise ValueError(f"community {community}: two calendars share a name")
    async with scheduler.db.session() as session:
        rows = (await session.execute(select(jobs.c.key, jobs.c.kind, jobs.c.payload, jobs.c.due_at).where(
            jobs.c.status == PENDING, jobs.c.key.like(prefix(community) + "%")))).all()
    changes = 0
    pending: dict[str, tuple[str, str, dict[str, Any]]] = {}
    ahead: dict[str, datetime] = {}
    for row in rows:
        ident = str((row.payload or {}).get("calendar", ""))
        cal = wanted.get(ident)
        if cal is None or ident in pending:
            await scheduler.cancel(row.key)  # no longer declared (or a stray duplicate)
            changes += 1
            continue
        pending[ident] = (row.key, row.kind, dict(row.payload or {}))
        ahead[ident] = utc(row.due_at)
    for ident, cal in wanted.items():
        due = cal.when.next_after(now, cal.tz)
        have = pending.get(ident)
        if due is None:
            if have is not None:
                await scheduler.cancel(have[0])
                changes += 1
            continue
        key = cal.key(community, due)
        if have is not None and have == (key, cal.kind, cal.job_payload()):
            continue
        # A pending occurrence later than the next one from now, of the same rule: the process before
        # this one ran the ones in between (its clock was ahead, as a console script's `:time` moves
        # it), so it stays; moving it back would meet those done occurrences and schedule nothing.
        later = ahead.get(ident)
        if have is not None and later is not None and later > due and have[1:] == (cal.kind, cal.job_payload()) \
                and have[0] == cal.key(community, later) and cal.when.next_after(later - _TICK, cal.tz) == later:
            continue
        if have is not None:
            await scheduler.cancel(have[0])
        changes += await _schedule_unless_done(scheduler, cal, community, due)
    return changes


async def _schedule_unless_done(scheduler: Scheduler, cal: Calendar, community: str, due: datetime) -> int:
    """Schedule an occurrence; one that already ran (a restart right after it) yields the next."""
    for _ in range(3):
        try:
            await scheduler.schedule(cal.kind, due, cal.job_payload(), key=cal.key(community, due),
                                     community=community)
            return 1
        except ValueError:  # this occurrence exists with another status: it ran or was skipped
            nxt = cal.when.next_after(due, cal.tz)
            if nxt is None:
                return 0
            due = nxt
    return 0


async def schedule_next(session: AsyncSession, cal: Calendar, community: str, after: datetime,
                        now: datetime) -> str | None:
    """Store the occurrence after ``after`` in the running job's transaction; returns its key."""
    due = cal.when.next_after(max(utc(after), utc(now)), cal.tz)
    if due is None:
        return None
    key = cal.key(community, due)
    await add_job(session, cal.kind, due, cal.job_payload(), key=key, community=community, now=now)
    return key
