"""The identity cog's queries: codes, links and wrong codes. ORM rows never leave this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.refs import UserRef
from cogs.identity.models import CodeRow, LinkRow, MissRow


@dataclass(frozen=True, slots=True)
class Code:
    """An issued code (its hash only): who asked for it, until when, whether it was used."""

    id: int
    issuer: UserRef
    person: int
    expires_at: datetime
    used: bool


@dataclass(frozen=True, slots=True)
class Link:
    """Two accounts made one person; ``joined`` is the account that entered the code."""

    number: int
    person: int | None
    kept: UserRef
    joined: UserRef
    linked_at: datetime
    unlinked_at: datetime | None
    unlinked_by: str | None


def _link(row: LinkRow) -> Link:
    return Link(row.number, row.person_id, UserRef(row.kept_platform, row.kept_user),
                UserRef(row.joined_platform, row.joined_user), row.linked_at, row.unlinked_at, row.unlinked_by)


async def issue(session: AsyncSession, community: str, issuer: UserRef, person: int, digest: str,
                now: datetime, lifetime: timedelta) -> None:
    """Store a new code for an account; its earlier unused codes stop working."""
    await session.execute(delete(CodeRow).where(CodeRow.community == community, CodeRow.platform == issuer.platform,
                                                CodeRow.user_id == issuer.id, CodeRow.used_at.is_(None)))
    await session.execute(delete(CodeRow).where(CodeRow.community == community, CodeRow.expires_at < now - lifetime))
    session.add(CodeRow(community=community, digest=digest, platform=issuer.platform, user_id=issuer.id,
                        person_id=person, created_at=now, expires_at=now + lifetime))


async def find_code(session: AsyncSession, community: str, digest: str) -> Code | None:
    """The code with this hash in the community, used or not."""
    row = (await session.execute(select(CodeRow).where(CodeRow.community == community,
                                                       CodeRow.digest == digest))).scalar_one_or_none()
    if row is None:
        return None
    return Code(row.id, UserRef(row.platform, row.user_id), row.person_id, row.expires_at, row.used_at is not None)


async def use_code(session: AsyncSession, code_id: int, now: datetime) -> bool:
    """Mark a code used; False when another entry of it got there first (it is used once)."""
    done = await session.execute(update(CodeRow).where(CodeRow.id == code_id, CodeRow.used_at.is_(None))
                                 .values(used_at=now))
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def misses(session: AsyncSession, community: str, user: UserRef, since: datetime) -> list[datetime]:
    """When the account entered wrong codes since ``since``, oldest first."""
    rows = await session.execute(select(MissRow.at).where(
        MissRow.community == community, MissRow.platform == user.platform, MissRow.user_id == user.id,
        MissRow.at >= since).order_by(MissRow.at))
    return [r[0] for r in rows.all()]


async def add_miss(session: AsyncSession, community: str, user: UserRef, now: datetime, window: timedelta) -> None:
    """Count a wrong code; the account's misses older than the window go."""
    await session.execute(delete(MissRow).where(MissRow.community == community, MissRow.platform == user.platform,
                                                MissRow.user_id == user.id, MissRow.at < now - window))
    session.add(MissRow(community=community, platform=user.platform, user_id=user.id, at=now))


async def record_link(session: AsyncSession, community: str, person: int, kept: UserRef, joined: UserRef,
                      now: datetime) -> int:
    """Write a link; returns its number in the community."""
    number = int((await session.execute(select(func.coalesce(func.max(LinkRow.number), 0)).where(
        LinkRow.community == community))).scalar_one()) + 1
    session.add(LinkRow(community=community, number=number, person_id=person, kept_platform=kept.platform,
                        kept_user=kept.id, joined_platform=joined.platform, joined_user=joined.id, linked_at=now))
    return number


async def active_link(session: AsyncSession, community: str, user: UserRef) -> Link | None:
    """The link an account is part of now (either side), if any."""
    row = (await session.execute(select(LinkRow).where(
        LinkRow.community == community, LinkRow.unlinked_at.is_(None),
        ((LinkRow.kept_platform == user.platform) & (LinkRow.kept_user == user.id))
        | ((LinkRow.joined_platform == user.platform) & (LinkRow.joined_user == user.id)))
        .order_by(LinkRow.number.desc()))).scalars().first()
    return None if row is None else _link(row)


async def end_link(session: AsyncSession, community: str, number: int, by: str, now: datetime) -> None:
    """Mark a link undone."""
    await session.execute(update(LinkRow).where(LinkRow.community == community, LinkRow.number == number)
                          .values(unlinked_at=now, unlinked_by=by))


async def links(session: AsyncSession, community: str, *, active: bool = True, limit: int = 50) -> list[Link]:
    """The community's links, newest first."""
    query = select(LinkRow).where(LinkRow.community == community)
    if active:
        query = query.where(LinkRow.unlinked_at.is_(None))
    rows = (await session.execute(query.order_by(LinkRow.number.desc()).limit(limit))).scalars().all()
    return [_link(r) for r in rows]


async def merge_persons(session: AsyncSession, source: int, into: int) -> int:
    """Links and open codes of ``source`` move to ``into``."""
    moved = await session.execute(update(LinkRow).where(LinkRow.person_id == source).values(person_id=into))
    await session.execute(update(CodeRow).where(CodeRow.person_id == source).values(person_id=into))
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]


async def delete_member(session: AsyncSession, person: int) -> int:
    """A person's codes and links go."""
    codes = await session.execute(delete(CodeRow).where(CodeRow.person_id == person))
    gone = await session.execute(delete(LinkRow).where(LinkRow.person_id == person))
    return int(codes.rowcount or 0) + int(gone.rowcount or 0)  # type: ignore[attr-defined]
