"""The events cog: the class only composes the parts, each in its own module.

``planning`` (/event and its forms), ``answers`` (RSVP, check-in and rating buttons), ``notify``
(reminders, start announcements, the end of an occurrence) and ``personal`` (/remind, /reminders).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.persons import PersonId
from cogs.events import store
from cogs.events.personal import Personal


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
        """Erase the person's RSVPs, ratings and reminders."""
        return await store.delete_member(session, person)
