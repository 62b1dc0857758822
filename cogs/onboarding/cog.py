"""The onboarding cog: the class only composes the parts, each in its own module.

``journey`` (joins, steps passing, posts, follow-ups, the batch welcome), ``presses`` (the buttons members,
greeters and moderators press) and ``admin`` (``/onboarding``, ``/greeter``, the preview); the pure logic
is in ``flow`` and the queries in ``store``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.persons import PersonId
from cogs.onboarding import store
from cogs.onboarding.admin import Admin


class OnboardingCog(Admin):
    """Welcomes every person who joins: rules, questions, an introduction, resources, follow-ups, greeters."""

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Move the person's onboarding and roster entry (the kept person's own onboarding wins)."""
        return await store.merge_persons(session, source, into)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Erase the person's onboarding, answers and roster entry."""
        self.watch = {u: w for u, w in self.watch.items() if w.person != person}
        return await store.delete_member(session, person)
