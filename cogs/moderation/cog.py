"""The moderation cog: rules on every message, cases, escalation, appeals, raids, commands.

The class only composes the parts; each lives in its own module:
``watch`` (events), ``enforce`` (rule hits -> actions), ``raid``, ``review`` (mod-log buttons,
expiry jobs), ``appeals``, and the ``commands_*`` modules.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.persons import PersonId
from cogs.moderation import repository as repo
from cogs.moderation.appeals import Appeals
from cogs.moderation.commands_cases import CaseCommands
from cogs.moderation.commands_channels import ChannelCommands
from cogs.moderation.commands_members import MemberCommands
from cogs.moderation.review import Review
from cogs.moderation.watch import Watch


class ModerationCog(Watch, MemberCommands, CaseCommands, ChannelCommands, Review, Appeals):
    """Keeps discussions civil: automatic rules, escalation, cases, appeals and anti-raid."""

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Move the person's cases, points and appeals to the kept person."""
        return await repo.merge_persons(session, source, into)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Erase the person's cases."""
        return await repo.delete_member(session, person)
