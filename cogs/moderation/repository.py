"""Case-file queries. ORM rows stay here; callers get frozen :class:`Case` values."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.numbering import with_next_number
from cogs.moderation.models import ACTIVE, EXPIRED, CaseRow

PUNISHMENTS = ("warn", "timeout", "kick", "ban")


@dataclass(frozen=True, slots=True)
class Case:
    """A case as the cog sees it."""

    id: int
    community: str
    number: int
    person_id: int
    platform: str
    user_id: str
    user_name: str
    kind: str
    actor_id: str | None
    actor_name: str | None
    rule: str | None
    reason: str
    evidence: str | None
    points: int
    state: str
    created_at: datetime
    incident_at: datetime | None
    expires_at: datetime | None
    ended_at: datetime | None
    ended_by: str | None
    channel_id: str | None
    message_id: str | None
    modlog_channel: str | None
    modlog_message: str | None
    appeal_state: str | None
    appeal_text: str | None
    appeal_at: datetime | None
    appeal_by: str | None
    note: str | None

    @property
    def by(self) -> str:
        """Who or what opened the case."""
        if self.actor_name:
            return self.actor_name
        if not self.rule:
            return "Steward"
        # an incident that broke several rules names them all (``rules a, b``)
        return f"rules {self.rule}" if ", " in self.rule else f"rule {self.rule}"


_FIELDS = [f.name for f in fields(Case)]
_TABLE: Table = CaseRow.__table__  # type: ignore[assignment]  # declarative tables are Tables
_RETURNED = [_TABLE.c[name] for name in _FIELDS]  # a case's fields in the order Case takes them


# a Core insert of many rows needs the same keys in each: the nullable ones default to NULL
_DEFAULTS: dict[str, Any] = {c.name: None for c in CaseRow.__table__.c if c.nullable and not c.primary_key}


def _case(row: CaseRow) -> Case:
    return Case(**{name: getattr(row, name) for name in _FIELDS})


async def open_case(session: AsyncSession, *, community: str, **values: Any) -> Case:
    """Insert a case with the community's next number (retrying if another writer took it)."""
    return (await open_cases(session, community, [values]))[0]


async def open_cases(session: AsyncSession, community: str, rows: list[dict[str, Any]]) -> list[Case]:
    """Insert cases with the community's next numbers in one statement (a group commit's share)."""
    async def numbered(first: int) -> list[Case]:
        # one multi-row statement for the batch, the rows written given back by it (RETURNING): no read back,
        # no ORM objects; put in the order given by their numbers (RETURNING's own order is not promised,
        # and asking SQLAlchemy to keep it writes one row per statement on SQLite)
        values = [{**_DEFAULTS, **row, "community": community, "number": first + i} for i, row in enumerate(rows)]
        written = (await session.execute(insert(_TABLE).returning(*_RETURNED), values)).all()
        cases = [Case(*found) for found in written]
        cases.sort(key=lambda case: case.number)
        return cases

    return await with_next_number(session, CaseRow.number, CaseRow.community, community, numbered,
                                  what="a case number")


async def points_of(session: AsyncSession, community: str, persons: set[int], now: datetime) -> dict[int, int]:
    """Active warning points of several persons at once (after expiring the old ones)."""
    if not persons:
        return {}
    await expire_points(session, community, now)
    rows = (await session.execute(select(CaseRow.person_id, func.sum(CaseRow.points)).where(
        CaseRow.community == community, CaseRow.person_id.in_(persons), CaseRow.state == ACTIVE, CaseRow.points > 0)
        .group_by(CaseRow.person_id))).all()
    found = {int(p): int(total) for p, total in rows}
    return {p: found.get(p, 0) for p in persons}


async def by_number(session: AsyncSession, community: str, number: int) -> Case | None:
    """A case by its number in the community."""
    row = (await session.execute(select(CaseRow).where(
        CaseRow.community == community, CaseRow.number == number))).scalar_one_or_none()
    return None if row is None else _case(row)


async def in_range(session: AsyncSession, community: str, first: int, last: int) -> list[Case]:
    """Cases numbered ``first`` to ``last`` (a wave summary's), in order."""
    rows = (await session.execute(select(CaseRow).where(
        CaseRow.community == community, CaseRow.number >= first, CaseRow.number <= last)
        .order_by(CaseRow.number))).scalars().all()
    return [_case(r) for r in rows]


async def by_id(session: AsyncSession, case_id: int) -> Case | None:
    """A case by its row id (buttons and jobs carry it)."""
    row = await session.get(CaseRow, case_id)
    return None if row is None else _case(row)


async def for_member(session: AsyncSession, community: str, person: int, limit: int = 25) -> list[Case]:
    """A member's cases, newest first."""
    rows = (await session.execute(select(CaseRow).where(
        CaseRow.community == community, CaseRow.person_id == person)
        .order_by(CaseRow.number.desc()).limit(limit))).scalars().all()
    return [_case(r) for r in rows]


async def expire_points(session: AsyncSession, community: str, now: datetime) -> None:
    """Mark warnings past their expiry as expired (lazily, before points are counted)."""
    await session.execute(update(CaseRow).where(
        CaseRow.community == community, CaseRow.kind == "warn", CaseRow.state == ACTIVE,
        CaseRow.expires_at.is_not(None), CaseRow.expires_at <= now).values(state=EXPIRED, ended_at=now))


async def active_points(session: AsyncSession, community: str, person: int, now: datetime) -> int:
    """The member's warning points that have not expired or been pardoned."""
    await expire_points(session, community, now)
    total = (await session.execute(select(func.coalesce(func.sum(CaseRow.points), 0)).where(
        CaseRow.community == community, CaseRow.person_id == person,
        CaseRow.state == ACTIVE, CaseRow.points > 0))).scalar_one()
    return int(total)


async def active_of_kind(session: AsyncSession, community: str, person: int, kind: str,
                         now: datetime) -> list[Case]:
    """Active cases of a kind that have not run out (timeouts, bans)."""
    rows = (await session.execute(select(CaseRow).where(
        CaseRow.community == community, CaseRow.person_id == person,
        CaseRow.kind == kind, CaseRow.state == ACTIVE).order_by(CaseRow.number))).scalars().all()
    return [_case(r) for r in rows if r.expires_at is None or r.expires_at > now]


async def all_active_timeouts(session: AsyncSession, community: str, now: datetime) -> list[Case]:
    """Every running timeout of the community (soft mutes on platforms without timeouts)."""
    rows = (await session.execute(select(CaseRow).where(
        CaseRow.community == community, CaseRow.kind == "timeout", CaseRow.state == ACTIVE,
        CaseRow.expires_at > now))).scalars().all()
    return [_case(r) for r in rows]


async def pending_appeal(session: AsyncSession, community: str, person: int) -> Case | None:
    """The person's appeal still waiting for a moderator, if any."""
    row = (await session.execute(select(CaseRow).where(
        CaseRow.community == community, CaseRow.person_id == person,
        CaseRow.appeal_state == "pending").order_by(CaseRow.number.desc()).limit(1))).scalar_one_or_none()
    return None if row is None else _case(row)


async def latest_appealable(session: AsyncSession, community: str, person: int, now: datetime) -> Case | None:
    """The member's newest active punishment that has not been appealed yet."""
    await expire_points(session, community, now)
    rows = (await session.execute(select(CaseRow).where(
        CaseRow.community == community, CaseRow.person_id == person,
        CaseRow.state == ACTIVE, CaseRow.kind.in_(PUNISHMENTS)).order_by(CaseRow.number.desc()))).scalars().all()
    for row in rows:
        if row.appeal_state is None and (row.expires_at is None or row.expires_at > now):
            return _case(row)
    return None


async def change(session: AsyncSession, case_id: int, *, only_if_state: str | None = None,
                 **values: Any) -> bool:
    """Update a case; with ``only_if_state`` the update happens only from that state (True if it did)."""
    query = update(CaseRow).where(CaseRow.id == case_id)
    if only_if_state is not None:
        query = query.where(CaseRow.state == only_if_state)
    result = await session.execute(query.values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def stats(session: AsyncSession, community: str, since: datetime | None = None) -> dict[str, Any]:
    """Actions by kind and by moderator, and the median time from incident to action."""
    query = select(CaseRow).where(CaseRow.community == community)
    if since is not None:
        query = query.where(CaseRow.created_at >= since)
    rows = (await session.execute(query)).scalars().all()
    by_kind: dict[str, int] = {}
    by_actor: dict[str, int] = {}
    delays: list[float] = []
    for row in rows:
        by_kind[row.kind] = by_kind.get(row.kind, 0) + 1
        who = row.actor_name or "automatic"
        by_actor[who] = by_actor.get(who, 0) + 1
        if row.incident_at is not None:
            delays.append(max((row.created_at - row.incident_at).total_seconds(), 0.0))
    delays.sort()
    median = None
    if delays:
        mid = len(delays) // 2
        median = delays[mid] if len(delays) % 2 else (delays[mid - 1] + delays[mid]) / 2
    return {"total": len(rows), "by_kind": by_kind, "by_actor": by_actor,
            "median_seconds": median}


async def delete_member(session: AsyncSession, person: int) -> int:
    """Erase a person's cases (data-deletion requests)."""
    result = await session.execute(delete(CaseRow).where(CaseRow.person_id == person))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def merge_persons(session: AsyncSession, source: int, into: int) -> int:
    """Move a person's cases (and so their points and appeals) to another person."""
    result = await session.execute(update(CaseRow).where(CaseRow.person_id == source).values(person_id=into))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expiry_for_warn(now: datetime, expire_after: timedelta) -> datetime:
    """When a warning's points stop counting."""
    return now + expire_after


async def set_modlog(session: AsyncSession, case_id: int, platform: str, channel_id: str, message_id: str) -> bool:
    """Remember where a case's mod-log post is: its post on the case's own platform, the first one recorded."""
    result = await session.execute(update(CaseRow).where(CaseRow.id == case_id, CaseRow.platform == platform,
                                                         CaseRow.modlog_message.is_(None))
                                   .values(modlog_channel=channel_id, modlog_message=message_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]
