"""Pacing for everything this cog posts: quiet hours and a gap between posts, per channel.

Every post of this cog comes from a job (a prompt, a poll's card or results, an announcement, a
helpers' ping, a recognition or milestone post, a DM). A job that may not post now stores itself
again, due when it may, in its own transaction, with its slot taken in each channel: a restart
in between finds both in the database, and the later run's effects are keyed by that run, so
nothing is lost and nothing goes twice. Pacing only delays: a held post or run goes however late
Steward comes back (a long outage past the scheduler's usual grace does not drop it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action
from bot.cog import job
from bot.job_rows import NEVER_TOO_LATE, add_job
from bot.outbox.codec import decode, encode
from bot.refs import ChannelRef
from bot.scheduler import JobRun
from cogs.engagement.base import EngagementBase
from cogs.engagement.models import SlotRow
from cogs.engagement.quiet import slot

PACED = "paced"  # the payload key of a run moved by pacing (its slots are already taken)
KEEP_SLOTS = timedelta(days=2)


def _moved(payload: dict[str, object], at: datetime) -> dict[str, object]:
    """The payload of a run moved by pacing: not a calendar occurrence (the calendar's next one is stored
    already, and a restart's reconcile would take a second pending one for a stray duplicate)."""
    return {**{k: v for k, v in payload.items() if k != "calendar"}, PACED: at.isoformat()}


class Paced(EngagementBase):
    """``await self.defer_run(run, channels)`` at the top of a posting job: True when it was moved."""

    async def release_at(self, session: AsyncSession, channels: Sequence[ChannelRef], at: datetime) -> datetime:
        """When a post to ``channels`` asked for at ``at`` may go: out of quiet hours, a gap from the others."""
        pacing = self.conf.pacing
        taken: list[datetime] = []
        if channels and pacing.gap:
            community = self.ctx.community.name
            for channel in channels:
                rows = await session.execute(select(SlotRow.at).where(
                    SlotRow.community == community, SlotRow.platform == channel.platform,
                    SlotRow.channel == channel.id, SlotRow.at > at - pacing.gap))
                taken += [r for (r,) in rows]
        return slot(at, taken, pacing.gap, pacing.window(), self.ctx.community.tz)

    async def take_slots(self, session: AsyncSession, channels: Sequence[ChannelRef], at: datetime, key: str) -> None:
        """Record this cog's post at ``at`` in each channel (once per ``key``), forgetting old slots."""
        if not self.conf.pacing.gap:
            return
        community = self.ctx.community.name
        for channel in channels:
            slot_key = f"{key}:{channel.platform}:{channel.id}"[:240]
            if (await session.execute(select(SlotRow.id).where(SlotRow.key == slot_key))).first() is None:
                session.add(SlotRow(key=slot_key, community=community, platform=channel.platform,
                                    channel=channel.id, at=at))
        await session.execute(delete(SlotRow).where(SlotRow.community == community, SlotRow.at < at - KEEP_SLOTS))

    async def defer_run(self, run: JobRun, channels: Sequence[ChannelRef]) -> bool:
        """Whether this run must wait (quiet hours, or a post of this cog too recent in one of ``channels``):
        then the same job is stored again for when it may post, and this run does nothing else."""
        if run.payload.get(PACED):
            return False  # moved here by pacing: its slots are taken
        now = self.ctx.now()
        at = await self.release_at(run.session, channels, now)
        if at <= now:
            await self.take_slots(run.session, channels, now, run.key)
            return False
        key = f"{self.ctx.community.name}:{PACED}:{run.key}"[:200]  # not under the calendars' key prefix
        await self.take_slots(run.session, channels, at, key)
        await add_job(run.session, run.kind, at, _moved(run.payload, at), key=key, community=run.community,
                      now=now, grace=NEVER_TOO_LATE)
        self.ctx.log.info("pacing: %s waits until %s", run.key, at.isoformat())
        return True

    async def paced_effect(self, session: AsyncSession, action: Action, *, key: str, channel: ChannelRef) -> None:
        """:meth:`ctx.effect` for one post, now or (quiet hours, too soon after another) by a ``post`` job later,
        stored in ``session``'s transaction like the effect would have been."""
        now = self.ctx.now()
        at = await self.release_at(session, [channel], now)
        if at <= now:
            await self.take_slots(session, [channel], now, key)
            await self.ctx.effect(session, action, key=key)
            return
        await self.take_slots(session, [channel], at, key)
        name = self.ctx.community.name
        job_key = f"{name}:{PACED}:{key}"[:200]
        await add_job(session, f"{self.name}.post", at, {"key": key, "action": encode(action)}, key=job_key,
                      community=name, now=now, grace=NEVER_TOO_LATE)

    @job("post")
    async def paced_post(self, run: JobRun) -> None:
        """A post pacing held back: it goes now, under the key it was given."""
        await self.ctx.effect(run.session, decode(dict(run.payload["action"])), key=str(run.payload["key"]))
