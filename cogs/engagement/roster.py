"""Queries on the members this cog knows: activity, joins and leaves, the last re-engagement DM, the opt-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.persons import PersonId
from bot.refs import UserRef
from cogs.engagement.models import MarkRow, MemberRow


@dataclass(frozen=True, slots=True)
class Known:
    """A member as this cog knows them (no message text)."""

    person: PersonId
    user: UserRef
    active_days: int
    last_active: datetime | None
    joined_at: datetime | None


def _known(row: Any) -> Known:
    return Known(PersonId(row.person_id), UserRef(row.platform, row.user_id), int(row.active_days), row.last_active,
                 row.joined_at)


def _upsert(session: AsyncSession, values: dict[str, Any], changes: dict[str, Any]) -> Any:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(MemberRow).values(**values)
    return stmt.on_conflict_do_update(index_elements=["community", "person_id"],
                                      set_={k: (v(stmt.excluded) if callable(v) else v) for k, v in changes.items()})


async def fold_seen(session: AsyncSession, community: str, tz: ZoneInfo) -> int:
    """Fold the ``seen`` marks (a member's first message of a day, written within a second by the batching
    writer) into the members' active days and last activity; returns the marks folded."""
    marks = (await session.execute(select(MarkRow).where(MarkRow.community == community, MarkRow.kind == "seen")
                                   .order_by(MarkRow.id))).scalars().all()
    if not marks:
        return 0
    by_person: dict[int, list[MarkRow]] = {}
    for mark in marks:
        by_person.setdefault(mark.person_id, []).append(mark)
    for person, seen in by_person.items():
        row = (await session.execute(select(MemberRow).where(
            MemberRow.community == community, MemberRow.person_id == person))).scalar_one_or_none()
        last = seen[-1]
        if row is None:
            row = MemberRow(community=community, person_id=person, platform=last.platform, user_id=last.ref,
                            active_days=0, opted_out=False)
            session.add(row)
        days = {m.at.astimezone(tz).date() for m in seen}
        if row.last_active is not None:
            days.discard(row.last_active.astimezone(tz).date())  # that day is counted already
        row.active_days = (row.active_days or 0) + len(days)
        latest = max(m.at for m in seen)
        if row.last_active is None or latest > row.last_active:
            row.last_active, row.platform, row.user_id = latest, last.platform, last.ref
    await session.execute(delete(MarkRow).where(MarkRow.community == community, MarkRow.kind == "seen",
                                                MarkRow.id <= marks[-1].id))
    await session.flush()
    return len(marks)


async def joined(session: AsyncSession, community: str, person: PersonId, user: UserRef, at: datetime) -> None:
    """A join: its date stays the first one seen (an anniversary counts from it); a leave is undone."""
    await session.execute(_upsert(session, {
        "community": community, "person_id": int(person), "platform": user.platform, "user_id": user.id,
        "active_days": 0, "joined_at": at, "opted_out": False}, {
        "joined_at": lambda x: func.coalesce(MemberRow.joined_at, x.joined_at), "left_at": None}))


async def left(session: AsyncSession, community: str, person: PersonId, at: datetime) -> None:
    """A leave."""
    await session.execute(update(MemberRow).where(MemberRow.community == community, MemberRow.person_id == person)
                          .values(left_at=at))


async def member_count(session: AsyncSession, community: str) -> int:
    """Members who joined while Steward watched and have not left."""
    return int((await session.execute(select(func.count()).select_from(MemberRow).where(
        MemberRow.community == community, MemberRow.joined_at.is_not(None), MemberRow.left_at.is_(None)))).scalar_one())


async def set_opted_out(session: AsyncSession, community: str, person: PersonId, user: UserRef, out: bool) -> None:
    """``/engagement optout`` (True) or ``optin`` (False)."""
    await session.execute(_upsert(session, {
        "community": community, "person_id": int(person), "platform": user.platform, "user_id": user.id,
        "active_days": 0, "opted_out": out}, {"opted_out": out}))


async def opted_out(session: AsyncSession, community: str, person: PersonId) -> bool:
    """Whether the person said ``/engagement optout``."""
    return bool((await session.execute(select(MemberRow.opted_out).where(
        MemberRow.community == community, MemberRow.person_id == person))).scalar())


async def gone_quiet(session: AsyncSession, community: str, *, active: int, silent_since: datetime,
                     nudged_before: datetime, limit: int) -> list[Known]:
    """Members active on ``active`` days or more, none since ``silent_since``, not DMed since ``nudged_before``,
    still here and not opted out: the longest silent first."""
    rows = (await session.execute(select(MemberRow).where(
        MemberRow.community == community, MemberRow.active_days >= active, MemberRow.last_active <= silent_since,
        MemberRow.left_at.is_(None), MemberRow.opted_out.is_(False),
        or_(MemberRow.nudged_at.is_(None), MemberRow.nudged_at <= nudged_before))
        .order_by(MemberRow.last_active).limit(limit))).scalars().all()
    return [_known(r) for r in rows]


async def nudged(session: AsyncSession, community: str, person: PersonId, at: datetime) -> None:
    """Note the re-engagement DM sent to a person."""
    await session.execute(update(MemberRow).where(MemberRow.community == community, MemberRow.person_id == person)
                          .values(nudged_at=at))


async def present(session: AsyncSession, community: str) -> list[Known]:
    """Every member still here whose join Steward saw and who did not opt out (for anniversaries)."""
    rows = (await session.execute(select(MemberRow).where(
        MemberRow.community == community, MemberRow.joined_at.is_not(None), MemberRow.left_at.is_(None),
        MemberRow.opted_out.is_(False)).order_by(MemberRow.joined_at))).scalars().all()
    return [_known(r) for r in rows]


async def merge_persons(session: AsyncSession, source: PersonId, into: PersonId) -> int:
    """One member row per community for the kept person: active days added, the latest activity, the first join,
    the latest DM, and an opt-out of either kept."""
    moved = 0
    for row in (await session.execute(select(MemberRow).where(MemberRow.person_id == source))).scalars().all():
        kept = (await session.execute(select(MemberRow).where(
            MemberRow.community == row.community, MemberRow.person_id == into))).scalar_one_or_none()
        if kept is None:
            row.person_id = int(into)
        else:
            kept.active_days += row.active_days
            kept.last_active = _latest(kept.last_active, row.last_active)
            kept.joined_at = min((t for t in (kept.joined_at, row.joined_at) if t is not None), default=None)
            kept.nudged_at = _latest(kept.nudged_at, row.nudged_at)
            kept.opted_out = kept.opted_out or row.opted_out
            kept.left_at = None if kept.left_at is None or row.left_at is None else max(kept.left_at, row.left_at)
            await session.delete(row)
        moved += 1
    await session.flush()
    result = await session.execute(update(MarkRow).where(MarkRow.person_id == source).values(person_id=int(into)))
    return moved + int(getattr(result, "rowcount", 0) or 0)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


async def delete_member(session: AsyncSession, person: PersonId) -> int:
    """Erase what this cog knows of the person's activity, joins and opt-out, and their marks."""
    erased = 0
    for stmt in (delete(MemberRow).where(MemberRow.person_id == person),
                 delete(MarkRow).where(MarkRow.person_id == person)):
        result = await session.execute(stmt)
        erased += int(getattr(result, "rowcount", 0) or 0)
    return erased
