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

from bot.batched import Batched
from bot.clock import Clock
from bot.refs import UserRef
from bot.storage.base import UTCDateTime
from bot.storage.database import Database

log = logging.getLogger(__name__)

PersonId = NewType("PersonId", int)
Key = tuple[str, str, str]  # community, platform, platform user id

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
        self._cache: OrderedDict[Key, PersonId] = OrderedDict()
        # accounts being looked up or created right now: a raid's new accounts post many messages at
        # once, and each must not read (and try to insert) the same rows again
        self._loader: Batched[Key, PersonId] = Batched(self._get_many)

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
        """The person holding an account, created on first sight.

        Accounts asked for together (a raid's new members) are looked up in one query and the new
        ones created in one transaction; callers asking for the same account at the same time share
        one answer, and a cancelled caller does not cancel it for the others.
        """
        key = (community, user.platform, user.id)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        return await self._loader.get(key)

    async def _get_many(self, keys: list[Key]) -> dict[Key, PersonId]:
        found = await self._find_many(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            try:
                async with self.db.session() as session, session.begin():
                    found.update(await self._create_many(session, missing, self.clock.now()))
            except IntegrityError:  # another process created one of them first: one at a time
                for key in missing:
                    found[key] = await self._get_one(key)
        return {key: self._remember(key, pid) for key, pid in found.items()}

    async def _find_many(self, keys: list[Key]) -> dict[Key, PersonId]:
        found: dict[Key, PersonId] = {}
        wanted = set(keys)
        async with self.db.session() as session:
            for community in sorted({key[0] for key in keys}):
                ids = sorted({key[2] for key in keys if key[0] == community})
                rows = await session.execute(select(accounts.c.platform, accounts.c.user_id, accounts.c.person_id)
                                             .where(accounts.c.community == community,
                                                    accounts.c.user_id.in_(ids)))
                for row in rows:
                    key = (community, row.platform, row.user_id)
                    if key in wanted:
                        found[key] = PersonId(int(row.person_id))
        return found

    @staticmethod
    async def _create_many(session: AsyncSession, keys: list[Key], at: datetime) -> dict[Key, PersonId]:
        made = await session.execute(persons.insert().returning(persons.c.id, sort_by_parameter_order=True),
                                     [{"community": key[0], "created_at": at} for key in keys])
        pids = [PersonId(int(pid)) for pid in made.scalars()]
        await session.execute(accounts.insert(), [
            {"community": key[0], "platform": key[1], "user_id": key[2], "person_id": pid}
            for key, pid in zip(keys, pids, strict=True)])
        return dict(zip(keys, pids, strict=True))

    async def _get_one(self, key: Key) -> PersonId:
        community, user = key[0], UserRef(key[1], key[2])
        for _attempt in range(3):
            found = await self.find(community, user)
            if found is not None:
                return found
            try:
                async with self.db.session() as session, session.begin():
                    return self._remember(key, await self.create(session, community, user, self.clock.now()))
            except IntegrityError:  # another task created it first: read theirs
                continue
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
        """Move everything ``source`` has into ``into``: one transaction per cog, then the accounts.

        When a cog's transaction fails, the accounts stay where they are and both persons are kept
        (``report.failed`` names the cog); merging again completes it.
        """
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
        if not report.ok:
            # keep both persons and their accounts: the failed cog's rows still name ``source``, and
            # a second merge (which moves nothing twice) finishes the job instead of orphaning them
            return report
        async with self.db.session() as session, session.begin():
            await session.execute(update(accounts).where(accounts.c.person_id == source).values(person_id=into))
            await session.execute(delete(persons).where(persons.c.id == source))
        self._drop(source)
        return report

    async def detach(self, community: str, user: UserRef) -> PersonId:
        """Give one account of a linked person a new person of its own (an unlink); returns it.

        Nothing a cog stored moves: what was recorded before stays with the person the account
        leaves (cog rows carry no account to split them by), and the account starts afresh.
        Refused (:class:`PersonConflict`) when the account is the person's only one.
        """
        async with self.db.session() as session, session.begin():
            held = (await session.execute(select(accounts.c.person_id).where(
                accounts.c.community == community, accounts.c.platform == user.platform,
                accounts.c.user_id == user.id))).scalar()
            if held is None:
                raise PersonConflict("Steward has no person for that account")
            others = (await session.execute(select(accounts.c.user_id).where(
                accounts.c.person_id == held, accounts.c.platform != user.platform))).first()
            if others is None:
                raise PersonConflict("that account is its person's only one: there is nothing to detach it from")
            result = await session.execute(persons.insert().values(community=community, created_at=self.clock.now()))
            fresh = PersonId(int(result.inserted_primary_key[0]))  # type: ignore[attr-defined]
            await session.execute(update(accounts).where(
                accounts.c.community == community, accounts.c.platform == user.platform,
                accounts.c.user_id == user.id).values(person_id=fresh))
        self._drop(PersonId(int(held)))
        return self._remember((community, user.platform, user.id), fresh)

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

    def _remember(self, key: Key, pid: PersonId) -> PersonId:
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
