"""Persons: one member of a community, who may hold one account per platform.

How a cog uses it:

- ``pid = await self.ctx.person(event.author)`` returns the member's :data:`PersonId` (created
  the first time Steward sees the account). Key every row about a member by it, never by a
  platform user id; keep the platform account only where the cog must act on it.
- ``async with self.ctx.lock(pid): ...`` serialises one person's handling across every cog
  (two messages handled at once must not both cross a threshold).
- Implement ``merge_persons(session, source, into)`` and ``delete_member_data(session, person)``
  on the cog when it stores anything about members. The core calls them for every cog enabled
  in the person's community, each cog in its own transaction (``session`` is already in it:
  do not commit), then moves or deletes the accounts itself.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType, Protocol

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.refs import UserRef
from bot.storage.base import UTCDateTime
from bot.storage.database import Database

log = logging.getLogger(__name__)

PersonId = NewType("PersonId", int)

_meta = MetaData()
persons = Table(
    "core_persons", _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(40), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
accounts = Table(
    "core_accounts", _meta,
    Column("community", String(40), primary_key=True),
    Column("platform", String(20), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("person_id", Integer, ForeignKey("core_persons.id", ondelete="CASCADE"), nullable=False),
    UniqueConstraint("person_id", "platform", name="uq_core_accounts_person_platform"),
)


class PersonConflict(Exception):
    """Two persons cannot be merged (both hold an account on the same platform, or differ in community)."""


class PersonData(Protocol):
    """What a cog implements to take part in merges and deletions (see :class:`bot.cog.Cog`)."""

    @property
    def name(self) -> str:
        """The cog's name (reports name it)."""
        ...

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        """Move every row of ``source`` to ``into``; returns how many rows moved."""
        ...

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        """Erase every row about ``person``; returns how many went."""
        ...


@dataclass
class Report:
    """What a merge or a deletion did, per cog; ``failed`` names the cogs whose transaction rolled back."""

    rows: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every cog's transaction committed."""
        return not self.failed


class Persons:
    """Find-or-create persons by account, with an in-process cache (accounts rarely move)."""

    def __init__(self, db: Database, clock: Clock, *, cache_size: int = 100_000) -> None:
        self.db = db
        self.clock = clock
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str, str], PersonId] = OrderedDict()
        # accounts being looked up or created right now: a raid's new accounts post many messages at
        # once, and each must not read (and try to insert) the same rows again
        self._pending: dict[tuple[str, str, str], asyncio.Future[PersonId]] = {}

    def cached(self, community: str, user: UserRef) -> PersonId | None:
        """The person of an account if this process has seen it (no I/O)."""
        return self._cache.get((community, user.platform, user.id))

    async def find(self, community: str, user: UserRef) -> PersonId | None:
        """The person holding an account, or None when Steward never saw it."""
        key = (community, user.platform, user.id)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        async with self.db.session() as session:
            pid = (await session.execute(select(accounts.c.person_id).where(
                accounts.c.community == community, accounts.c.platform == user.platform,
                accounts.c.user_id == user.id))).scalar()
        if pid is None:
            return None
        return self._remember(key, PersonId(int(pid)))

    async def get(self, community: str, user: UserRef) -> PersonId:
        """The person holding an account, created on first sight (callers asking for the same account
        at the same time share one look-up; a cancelled caller does not cancel it for the others)."""
        key = (community, user.platform, user.id)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(self._get(community, user))
            pending.add_done_callback(lambda _done: self._pending.pop(key, None))
        return await asyncio.shield(pending)

    async def _get(self, community: str, user: UserRef) -> PersonId:
        found = await self.find(community, user)
        if found is not None:
            return found
        for _attempt in range(3):
            try:
                async with self.db.session() as session, session.begin():
                    return self._remember((community, user.platform, user.id),
                                          await self.create(session, community, user, self.clock.now()))
            except IntegrityError:  # another task created it first: read theirs
                found = await self.find(community, user)
                if found is not None:
                    return found
        raise RuntimeError(f"could not create a person for {user.platform}:{user.id}")

    @staticmethod
    async def create(session: AsyncSession, community: str, user: UserRef, at: datetime) -> PersonId:
        """Insert a person holding one account (inside the caller's transaction)."""
        result = await session.execute(persons.insert().values(community=community, created_at=at))
        pid = PersonId(int(result.inserted_primary_key[0]))  # type: ignore[attr-defined]
        await session.execute(accounts.insert().values(community=community, platform=user.platform,
                                                       user_id=user.id, person_id=pid))
        return pid

    async def accounts_of(self, person: PersonId) -> list[UserRef]:
        """The platform accounts a person holds."""
        async with self.db.session() as session:
            rows = (await session.execute(select(accounts.c.platform, accounts.c.user_id)
                                          .where(accounts.c.person_id == person)
                                          .order_by(accounts.c.platform))).all()
        return [UserRef(r.platform, r.user_id) for r in rows]

    async def community_of(self, person: PersonId) -> str | None:
        """The community a person belongs to."""
        async with self.db.session() as session:
            value = (await session.execute(select(persons.c.community).where(persons.c.id == person))).scalar()
        return None if value is None else str(value)

    async def merge(self, source: PersonId, into: PersonId, cogs: Sequence[PersonData]) -> Report:
        """Move everything ``source`` has into ``into``: one transaction per cog, then the accounts."""
        if source == into:
            raise PersonConflict("a person cannot be merged into themself")
        a, b = await self.community_of(source), await self.community_of(into)
        if a is None or b is None or a != b:
            raise PersonConflict("both persons must exist in the same community")
        held = {u.platform for u in await self.accounts_of(into)}
        clash = sorted(held & {u.platform for u in await self.accounts_of(source)})
        if clash:
            raise PersonConflict(f"both persons hold an account on {', '.join(clash)}")
        report = await self._walk(cogs, lambda cog, s: cog.merge_persons(s, source, into))
        async with self.db.session() as session, session.begin():
            await session.execute(update(accounts).where(accounts.c.person_id == source).values(person_id=into))
            await session.execute(delete(persons).where(persons.c.id == source))
        self._drop(source)
        return report

    async def forget(self, person: PersonId, cogs: Sequence[PersonData]) -> Report:
        """Erase a person: every cog's rows (one transaction each), then the person and accounts."""
        report = await self._walk(cogs, lambda cog, s: cog.delete_member_data(s, person))
        if report.ok:  # keep the person while a cog still holds rows, so a retry can find them
            async with self.db.session() as session, session.begin():
                await session.execute(delete(accounts).where(accounts.c.person_id == person))
                await session.execute(delete(persons).where(persons.c.id == person))
            self._drop(person)
        return report

    async def _walk(self, cogs: Sequence[PersonData],
                    step: Callable[[PersonData, AsyncSession], Awaitable[int]]) -> Report:
        report = Report()
        for cog in cogs:
            try:
                async with self.db.session() as session, session.begin():
                    report.rows[cog.name] = await step(cog, session)
            except Exception:
                log.exception("persons: %s failed; its transaction was rolled back", cog.name)
                report.failed.append(cog.name)
        return report

    def _remember(self, key: tuple[str, str, str], pid: PersonId) -> PersonId:
        self._cache[key] = pid
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return pid

    def _drop(self, person: PersonId) -> None:
        for key in [k for k, v in self._cache.items() if v == person]:
            del self._cache[key]


class PersonLocks:
    """One lock per person, shared by every cog; a lock lives while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, person: PersonId) -> asyncio.Lock:
        """The lock of a person (``async with locks(pid): ...``)."""
        lock = self._locks.get(person)
        if lock is None:
            lock = self._locks[person] = asyncio.Lock()
        return lock
