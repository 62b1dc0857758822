"""State and helpers every part of the events cog shares: occurrences, plans of jobs, cards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, EditMessage, Reply
from bot.cog import Cog
from bot.content import Content, text
from bot.events import Origin
from bot.permissions import Level
from bot.refs import MessageRef, RoleRef
from cogs.events import store
from cogs.events.card import card
from cogs.events.recurrence import Occurrence
from cogs.events.reminders import Plan, plan
from cogs.events.rsvp import Counts, State
from cogs.events.settings import EventsSettings
from cogs.events.store import Event

LONGEST = timedelta(days=14)  # parse_length's longest event: an occurrence started this long ago is over
KINDS = ("remind", "start", "finish")


def occurrence_key(value: str) -> datetime | None:
    """An occurrence key from a button value's ``20261211T180000Z``."""
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


class EventsBase(Cog):
    """What the parts of the events cog share."""

    name = "events"
    settings_model = EventsSettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self._locks: dict[int, asyncio.Lock] = {}

    @property
    def conf(self) -> EventsSettings:
        """This community's events settings."""
        settings: EventsSettings = self.ctx.settings
        return settings

    def event_lock(self, event_id: int) -> asyncio.Lock:
        """Serialise changes to one event's RSVPs (two presses at once must not both take the last seat)."""
        return self._locks.setdefault(event_id, asyncio.Lock())

    @staticmethod
    def reply(origin: Origin, message: str | Content) -> Reply:
        """Answer the member in front of Steward, privately."""
        return Reply(origin=origin, content=text(message) if isinstance(message, str) else message)

    async def may_host(self, origin: Origin) -> bool:
        """Moderators, the configured host roles, or anyone when members may create events."""
        if self.conf.members_create:
            return True
        member = await self.ctx.member(origin.user)
        if self.ctx.community.level_of(member) >= Level.MODERATOR:
            return True
        hosts = {RoleRef(origin.platform, r) for r in self.conf.hosts}
        resolved = {self.ctx.community.role(r, origin.platform) for r in self.conf.hosts}
        return member is not None and bool(member.roles & (hosts | {r for r in resolved if r is not None}))

    def current(self, event: Event, now: datetime) -> Occurrence | None:
        """The occurrence a card shows: the first one that has not ended (of a cancelled event too)."""
        for occurrence in event.series.upcoming(now - LONGEST, 64):
            if occurrence.end > now:
                return occurrence
        return None

    async def counts(self, session: AsyncSession, event: Event, occurrence: Occurrence | None) -> Counts:
        """The live counts of an occurrence."""
        if occurrence is None:
            return Counts(0, 0, 0, 0, event.capacity)
        return store.roster_of(event, await store.answerers(session, event.id, occurrence.key)).counts()

    async def card_edits(self, session: AsyncSession, event: Event, closed: str = "") -> list[Action]:
        """Edits bringing every posted card of the event up to date."""
        occurrence = self.current(event, self.ctx.now())
        content = card(event, occurrence, await self.counts(session, event, occurrence), closed=closed)
        return [EditMessage(message=MessageRef(platform, channel, message), content=content)
                for platform, (channel, message) in event.cards.items()]

    def state_of(self, event: Event, occurrence: Occurrence) -> State:
        """Whether answers are still taken for an occurrence."""
        if event.cancelled:
            return State.CANCELLED
        return State.FINISHED if self.ctx.now() >= occurrence.end else State.OPEN

    # -- the jobs of an occurrence ------------------------------------------------------------

    async def replan(self, session: AsyncSession, event: Event, *, bump: bool = True) -> tuple[Event, str]:
        """Void the event's pending jobs and schedule those of its current occurrence; returns the
        event as now stored and a sentence naming reminders too late to send (or ``""``).

        ``bump=False`` (start-up) re-schedules the same keys, so nothing is doubled.
        """
        if bump:
            await store.bump(session, event.id)
            await session.commit()
            await self.void(event.id)
            fresh = await store.by_id(session, event.id)
            assert fresh is not None
            event = fresh
        occurrence = None if event.cancelled else self.current(event, self.ctx.now())
        if occurrence is None:
            return event, ""
        now = self.ctx.now()
        offsets = list(event.offsets) + ([timedelta(0)] if self.conf.announce_start else [])
        planned = plan(str(event.id), occurrence, offsets, now, grace=self.conf.grace)
        base = {"event": event.id, "occ": occurrence.key.isoformat(), "gen": event.generation,
                "start": occurrence.start.isoformat()}
        for reminder in planned.reminders:
            kind = "start" if reminder.offset == timedelta(0) else "remind"
            await self._schedule(kind, reminder.due, {**base, "offset": int(reminder.offset.total_seconds()),
                                                      "expires": reminder.expires.isoformat(), "key": reminder.key},
                                 f"ev{event.id}:g{event.generation}:{reminder.key}",
                                 reminder.expires - reminder.due)
        await self._schedule("finish", occurrence.end, base,
                             f"ev{event.id}:g{event.generation}:finish:{occurrence.key:%Y%m%dT%H%M%SZ}", None)
        skipped = [o for o in planned.too_late if o != timedelta(0)]
        return event, Plan((), tuple(skipped)).explain_too_late()

    async def _schedule(self, kind: str, due: datetime, payload: dict[str, Any], key: str,
                        grace: timedelta | None) -> None:
        try:
            await self.ctx.schedule(kind, due, payload, key=key, grace=grace)
        except ValueError:  # this very job already ran (a restart right after it): nothing to add
            pass

    async def void(self, event_id: int) -> int:
        """Cancel every pending job of an event; returns how many."""
        scheduler = self.ctx.services.scheduler
        cancelled = 0
        for job in await scheduler.pending(community=self.ctx.community.name):
            if job.kind.startswith("events.") and job.payload.get("event") == event_id:
                cancelled += await scheduler.cancel(job.key)
        return cancelled
