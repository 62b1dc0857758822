"""The onboarding cog's queries. ORM rows stay here; callers get frozen :class:`Newcomer` values."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.persons import PersonId
from bot.refs import UserRef
from cogs.onboarding.models import ACTIVE, GreeterRow, MemberRow


@dataclass(frozen=True, slots=True)
class Newcomer:
    """One person's onboarding as the cog sees it."""

    id: int
    community: str
    person: PersonId
    platform: str
    user_id: str
    name: str
    number: int
    generation: int
    state: str
    done: tuple[str, ...]
    answers: dict[str, list[str]] = field(hash=False)
    welcomed: str
    buddy: int | None
    greeted_by: int | None
    joined_at: datetime
    completed_at: datetime | None
    first_message_at: datetime | None
    active_after_day: bool

    @property
    def user(self) -> UserRef:
        """The account they joined with."""
        return UserRef(self.platform, self.user_id)


def _of(row: MemberRow) -> Newcomer:
    return Newcomer(row.id, row.community, PersonId(row.person_id), row.platform, row.user_id, row.name, row.number,
                    row.generation, row.state, tuple(row.done or ()), dict(row.answers or {}), row.welcomed,
                    row.buddy, row.greeted_by, row.joined_at, row.completed_at, row.first_message_at,
                    bool(row.active_after_day))


_COLUMNS = {f.name for f in fields(Newcomer)} - {"id", "community", "person"}


async def get(session: AsyncSession, community: str, person: PersonId) -> Newcomer | None:
    """A person's onboarding, if they ever started it here."""
    row = (await session.execute(select(MemberRow).where(
        MemberRow.community == community, MemberRow.person_id == person))).scalar_one_or_none()
    return None if row is None else _of(row)


async def create(session: AsyncSession, community: str, person: PersonId, user: UserRef, name: str, *,
                 state: str, now: datetime) -> Newcomer:
    """A new onboarding row (their number is one more than the members welcomed before them)."""
    number = int((await session.execute(select(func.count()).select_from(MemberRow).where(
        MemberRow.community == community))).scalar_one()) + 1
    row = MemberRow(community=community, person_id=person, platform=user.platform, user_id=user.id,
                    name=name[:100], number=number, generation=0, state=state, done=[], answers={},
                    welcomed="", joined_at=now, active_after_day=False)
    session.add(row)
    await session.flush()
    return _of(row)


async def save(session: AsyncSession, newcomer: Newcomer, **changes: Any) -> Newcomer:
    """Write changed fields of a newcomer; returns the new value."""
    new = replace(newcomer, **changes)
    values = {k: (list(v) if k == "done" else v) for k, v in changes.items() if k in _COLUMNS}
    if values:
        await session.execute(update(MemberRow).where(MemberRow.id == newcomer.id).values(**values))
    return new


async def watching(session: AsyncSession, community: str, since: datetime) -> list[Newcomer]:
    """Newcomers still here who joined after ``since`` (their messages matter to the funnel)."""
    rows = (await session.execute(select(MemberRow).where(
        MemberRow.community == community, MemberRow.joined_at >= since,
        MemberRow.state.in_((ACTIVE, "done"))))).scalars().all()
    return [_of(r) for r in rows]


async def batched(session: AsyncSession, community: str) -> list[Newcomer]:
    """Newcomers whose welcome waits for the next batch post, in join order."""
    rows = (await session.execute(select(MemberRow).where(
        MemberRow.community == community, MemberRow.welcomed == "batched").order_by(
        MemberRow.joined_at, MemberRow.id))).scalars().all()
    return [_of(r) for r in rows]


async def buddies_load(session: AsyncSession, community: str) -> dict[int, int]:
    """How many unfinished newcomers each buddy looks after."""
    rows = (await session.execute(select(MemberRow.buddy, func.count()).where(
        MemberRow.community == community, MemberRow.state == ACTIVE, MemberRow.buddy.is_not(None)).group_by(
        MemberRow.buddy))).all()
    return {int(b): int(n) for b, n in rows if b is not None}


@dataclass(frozen=True, slots=True)
class Greeter:
    """A greeter on the roster."""

    person: PersonId
    user: UserRef
    away: bool
    assigned_at: datetime | None


async def greeters(session: AsyncSession, community: str) -> list[Greeter]:
    """The roster, longest-unassigned first (round-robin order)."""
    rows = (await session.execute(select(GreeterRow).where(GreeterRow.community == community))).scalars().all()
    out = [Greeter(PersonId(r.person_id), UserRef(r.platform, r.user_id), r.away, r.assigned_at) for r in rows]
    return sorted(out, key=lambda g: (g.assigned_at is not None, g.assigned_at or datetime.min, g.person))


async def set_greeter(session: AsyncSession, community: str, person: PersonId, user: UserRef,
                      status: str) -> None:
    """Sign a greeter up (``on``), mark them away (``away``) or take them off the roster (``off``)."""
    row = (await session.execute(select(GreeterRow).where(
        GreeterRow.community == community, GreeterRow.person_id == person))).scalar_one_or_none()
    if status == "off":
        if row is not None:
            await session.delete(row)
        return
    if row is None:
        session.add(GreeterRow(community=community, person_id=person, platform=user.platform, user_id=user.id,
                               away=status == "away"))
    else:
        row.away = status == "away"


async def assigned(session: AsyncSession, community: str, person: PersonId, now: datetime) -> None:
    """Note that a greeter was just given a newcomer (they go to the back of the round-robin)."""
    await session.execute(update(GreeterRow).where(GreeterRow.community == community,
                                                   GreeterRow.person_id == person).values(assigned_at=now))


async def merge_persons(session: AsyncSession, source: PersonId, into: PersonId) -> int:
    """Move one person's onboarding and roster entry to another; where both have one, the kept person's stays."""
    moved = 0
    models: tuple[type[MemberRow] | type[GreeterRow], ...] = (MemberRow, GreeterRow)
    for model in models:
        rows: list[Any] = list((await session.execute(select(model).where(model.person_id == source))).scalars())
        for row in rows:
            clash = (await session.execute(select(model.id).where(
                model.community == row.community, model.person_id == into))).first()
            if clash is None:
                row.person_id = into
            else:
                await session.delete(row)
            moved += 1
    for column in (MemberRow.buddy, MemberRow.greeted_by):
        done = await session.execute(update(MemberRow).where(column == source).values({column: into}))
        moved += int(done.rowcount or 0)  # type: ignore[attr-defined]
    return moved


async def delete_member(session: AsyncSession, person: PersonId) -> int:
    """Erase a person's onboarding and roster entry; they no longer appear as anyone's buddy or greeter."""
    erased = 0
    for model in (MemberRow, GreeterRow):
        done = await session.execute(delete(model).where(model.person_id == person))
        erased += int(done.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(update(MemberRow).where(MemberRow.buddy == person).values(buddy=None))
    await session.execute(update(MemberRow).where(MemberRow.greeted_by == person).values(greeted_by=None))
    return erased
