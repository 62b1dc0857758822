"""The bridge cog's queries. ORM rows never leave this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.refs import ChannelRef, MessageRef
from cogs.bridge.models import RelayRow


@dataclass(frozen=True, slots=True)
class Relay:
    """One relayed part: where it went and the outbox key of its copy."""

    id: int
    target: ChannelRef
    part: int
    key: str


async def add(session: AsyncSession, community: str, source: MessageRef, target: ChannelRef, part: int, key: str,
              now: datetime) -> None:
    """Record a relayed part (in the transaction that stages its copy)."""
    session.add(RelayRow(community=community, src_platform=source.platform, src_channel=source.channel_id,
                         src_message=source.id, dst_platform=target.platform, dst_channel=target.id, part=part,
                         key=key, created_at=now))


async def of(session: AsyncSession, community: str, source: MessageRef) -> list[Relay]:
    """The relayed parts of a message, by platform and part."""
    rows = (await session.execute(select(RelayRow).where(
        RelayRow.community == community, RelayRow.src_platform == source.platform,
        RelayRow.src_channel == source.channel_id, RelayRow.src_message == source.id)
        .order_by(RelayRow.dst_platform, RelayRow.part))).scalars().all()
    return [Relay(r.id, ChannelRef(r.dst_platform, r.dst_channel), r.part, r.key) for r in rows]


async def rekey(session: AsyncSession, relay_id: int, key: str) -> None:
    """A part's copy is now the effect under ``key`` (re-sent after an edit before it went out)."""
    await session.execute(update(RelayRow).where(RelayRow.id == relay_id).values(key=key))


async def drop(session: AsyncSession, ids: list[int]) -> None:
    """Forget relayed parts (their copies are deleted or withdrawn)."""
    if ids:
        await session.execute(delete(RelayRow).where(RelayRow.id.in_(ids)))
