"""Raid-mode and channel-setting queries. ORM rows stay here; callers get frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cogs.moderation.models import ChannelSettingRow, RaidChannelRow, RaidRow


@dataclass(frozen=True, slots=True)
class Raid:
    """Raid mode as stored."""

    active: bool
    since: datetime | None
    why: str
    by: str
    end_key: str | None


@dataclass(frozen=True, slots=True)
class RaidChannel:
    """What raid mode did to one channel and what to put back."""

    platform: str
    channel_id: str
    slowed: bool
    prev_slowmode: int
    locked: bool
    prev_locked: bool


async def current(session: AsyncSession, community: str) -> Raid | None:
    """The community's raid row, if raid mode was ever on."""
    row = await session.get(RaidRow, community)
    if row is None:
        return None
    return Raid(row.active, row.since, row.why, row.by_name, row.end_key)


async def switch_on(session: AsyncSession, community: str, *, since: datetime, why: str, by: str,
                    end_key: str | None, channels: list[RaidChannel]) -> bool:
    """Record raid mode as on with what it does to each channel; False if it already was on."""
    values = {"active": True, "since": since, "why": why, "by_name": by[:100], "end_key": end_key,
              "ended_at": None, "ended_by": None}
    row = await session.get(RaidRow, community, with_for_update=True)
    if row is None:
        session.add(RaidRow(community=community, **values))
    else:
        result = await session.execute(update(RaidRow).where(RaidRow.community == community,
                                                             RaidRow.active.is_(False)).values(**values))
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
    await session.execute(delete(RaidChannelRow).where(RaidChannelRow.community == community))
    for c in channels:
        session.add(RaidChannelRow(community=community, platform=c.platform, channel_id=c.channel_id,
                                   slowed=c.slowed, prev_slowmode=c.prev_slowmode, locked=c.locked,
                                   prev_locked=c.prev_locked))
    await session.flush()
    return True


async def switch_off(session: AsyncSession, community: str, *, at: datetime, by: str,
                     end_key: str | None = None) -> list[RaidChannel] | None:
    """Claim the end of raid mode (only one caller wins) and return what to undo; None if it was not on.

    With ``end_key`` only the raid that scheduled that end job is ended.
    """
    query = update(RaidRow).where(RaidRow.community == community, RaidRow.active.is_(True))
    if end_key is not None:
        query = query.where(RaidRow.end_key == end_key)
    result = await session.execute(query.values(active=False, ended_at=at, ended_by=by[:100]))
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    rows = (await session.execute(select(RaidChannelRow).where(RaidChannelRow.community == community)
                                  .order_by(RaidChannelRow.platform, RaidChannelRow.channel_id))).scalars().all()
    undo = [RaidChannel(r.platform, r.channel_id, r.slowed, r.prev_slowmode, r.locked, r.prev_locked)
            for r in rows]
    await session.execute(delete(RaidChannelRow).where(RaidChannelRow.community == community))
    return undo


async def not_undone(session: AsyncSession, community: str, platform: str, channel_id: str, *,
                     slowmode: bool = False, lock: bool = False) -> None:
    """A moderator's own setting supersedes raid mode's: its end leaves that setting alone."""
    query = update(RaidChannelRow).where(RaidChannelRow.community == community,
                                         RaidChannelRow.platform == platform,
                                         RaidChannelRow.channel_id == channel_id)
    if slowmode:
        await session.execute(query.values(slowed=False))
    if lock:
        await session.execute(query.values(locked=False))


async def channel_settings(session: AsyncSession, community: str) -> dict[tuple[str, str], tuple[int, bool]]:
    """Slowmode seconds and lock of every channel moderators set through Steward."""
    rows = (await session.execute(select(ChannelSettingRow).where(
        ChannelSettingRow.community == community))).scalars().all()
    return {(r.platform, r.channel_id): (r.slowmode, r.locked) for r in rows}


async def remember_setting(session: AsyncSession, community: str, platform: str, channel_id: str, *,
                           slowmode: int | None = None, locked: bool | None = None) -> None:
    """Record a moderator's /slowmode, /lock or /unlock."""
    row = await session.get(ChannelSettingRow, (community, platform, channel_id))
    if row is None:
        row = ChannelSettingRow(community=community, platform=platform, channel_id=channel_id,
                                slowmode=0, locked=False)
        session.add(row)
    if slowmode is not None:
        row.slowmode = slowmode
    if locked is not None:
        row.locked = locked
    await session.flush()
