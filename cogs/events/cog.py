"""The events cog: the class only composes the parts, each in its own module.

``planning`` (/event and its forms), ``answers`` (RSVP, check-in and rating buttons), ``notify``
(reminders, start announcements, the end of an occurrence) and ``personal`` (/remind, /reminders).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cog import job
from bot.job_rows import add_job
from bot.persons import PersonId
from bot.scheduler import JobRun
from cogs.events import store
from cogs.events.personal import Personal
from cogs.events.rsvp import Standing


class EventsCog(Personal):
    """Plans community events: cards with RSVPs and a waitlist, reminders, .ics, attendance and ratings."""

    async def setup(self) -> None:
        """Re-plan every open event's current occurrence: jobs lost to a crash between a change and its
        scheduling come back, and the ones already stored keep their keys (nothing is doubled)."""
        async with self.ctx.db.session() as session:
            for event in await store.all_open(session, self.ctx.community.name):
                await self.replan(session, event, bump=False)

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Move the person's RSVPs, ratings and reminders to the kept person."""
        return await store.merge_persons(session, source, into)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Erase the person's RSVPs, ratings and reminders; a seat they held goes to the waitlist's head,
        who is told by a job that checks the seat is still theirs (this transaction may yet roll back)."""
        erased, promoted = await store.delete_member(session, person, self.ctx.now())
        now = self.ctx.now()
        for event_id, a in promoted:  # in this transaction: a second writer would wait on SQLite's lock
            await add_job(session, "events.seat", now, {"person": int(a.person), "event": event_id},
                          key=f"{self.ctx.community.name}:seat:{event_id}:{int(a.person)}:{now:%Y%m%dT%H%M%S%f}",
                          community=self.ctx.community.name, now=now)
        return erased

    @job("seat")
    async def seat_freed(self, run: JobRun) -> None:
        """Tell someone promoted by a deletion, if they still hold a seat of an upcoming occurrence."""
        person = PersonId(int(run.payload["person"]))
        now = self.ctx.now()
        event = await store.by_id(run.session, int(run.payload["event"]))
        occurrence = None if event is None or event.cancelled else self.current(event, now)
        if event is None or occurrence is None:
            return
        mine = [a for a in await store.answerers(run.session, event.id, occurrence.key) if a.person == person]
        if mine and mine[0].standing is Standing.GOING:
            await self.ctx.perform_all(await self.tell_promoted(run.session, event, (person,)))
