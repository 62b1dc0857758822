"""The feedback cog: capture, duplicates, votes, triage, ranking, digest, export and the webhook.

The class only composes the parts; each lives in its own module: ``intake`` (form, reaction,
channel posts, event ratings, the duplicate offer), ``board`` (``/feedback`` and its subcommands,
telling followers), ``digest`` (the weekly digest) and ``deliver`` (the webhook outbox).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.persons import PersonId
from cogs.feedback import store
from cogs.feedback.deliver import Delivery


class FeedbackCog(Delivery):
    """Captures member feedback, finds duplicates, takes votes, triages and hands the best on."""

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Move the person's items, votes and follows to the kept person."""
        return await store.merge_persons(session, source, into)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Erase the person's votes and follows; their items stay, without an author."""
        return await store.delete_member(session, person)
