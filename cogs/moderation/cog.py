"""The moderation cog: rules on every message, cases, escalation, appeals, raids, commands.

A thin cog. Its state and work live in collaborators with one job each, built by
:class:`~cogs.moderation.base.ModerationBase`: the case file (``casefile``), the sanctions
(``sanctions``), the raid guard (``raid``), the enforcer (``enforce``) and the rule set
(``ruleset``). The classes it is made of hold only the surface Steward calls: event handlers
(``watch``), mod-log buttons and jobs (``review``), ``appeals``, and the ``commands_*`` modules.
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
