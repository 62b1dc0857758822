"""The runtime's part of persons: the stores, the per-person locks, and merging and forgetting
persons across every cog of their community.

How a cog takes part: implement ``merge_persons`` and ``delete_member_data`` (see :mod:`bot.persons`);
it reaches persons, locks and preferences through its context (``ctx.person``, ``ctx.lock``,
``ctx.preferences``). Admins and tests call ``runtime.members.merge(source, into)`` and
``runtime.members.forget(person)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.clock import Clock
from bot.cog import Cog
from bot.persons import PersonConflict, PersonId, PersonLocks, Persons, Report
from bot.preferences import DEFAULT, PreferenceStore
from bot.refs import UserRef
from bot.storage.database import Database


class Members:
    """Walks the enabled cogs of a person's community for merges and deletions."""

    def __init__(self, clock: Clock, cogs_of: Callable[[str], Sequence[Cog]]) -> None:
        self.clock = clock
        self.cogs_of = cogs_of
        self.locks = PersonLocks()
        self.persons: Persons = None  # type: ignore[assignment]  # set by open()
        self.prefs: PreferenceStore = None  # type: ignore[assignment]
        self.flush: Callable[[], Awaitable[None]] | None = None

    def open(self, db: Database, flush: Callable[[], Awaitable[None]]) -> None:
        """Attach the opened database; ``flush`` puts queued facts in the log before rows move."""
        self.persons = Persons(db, self.clock)
        self.prefs = PreferenceStore(db)
        self.flush = flush

    async def merge(self, source: PersonId, into: PersonId) -> Report:
        """Merge two persons of one community: each enabled cog in its own transaction, then the accounts."""
        community = await self.persons.community_of(into)
        if community is None:
            raise PersonConflict(f"no person {into}")
        if self.flush is not None:
            await self.flush()
        report = await self.persons.merge(source, into, self.cogs_of(community))
        self.prefs.forget(source)
        self.prefs.forget(into)
        return report

    async def detach(self, community: str, user: UserRef) -> PersonId:
        """Split one account off its person into a new one (see :meth:`Persons.detach`); the
        new person starts with the old one's preferences, the only member data that can be copied."""
        before = await self.persons.find(community, user)
        fresh = await self.persons.detach(community, user)
        if before is not None:
            kept = await self.prefs.get(before)
            if kept != DEFAULT:
                await self.prefs.set(fresh, timezone=kept.timezone, dms=kept.dms, language=kept.language)
        return fresh

    async def forget(self, person: PersonId) -> Report:
        """Erase a person from every cog enabled in their community (a data-deletion request)."""
        community = await self.persons.community_of(person)
        if community is None:
            return Report()
        if self.flush is not None:
            await self.flush()
        report = await self.persons.forget(person, self.cogs_of(community))
        self.prefs.forget(person)
        return report
