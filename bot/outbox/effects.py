"""The outbox as the runtime uses it: behind the capability gate, inside a running job's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import QUEUED, Action, ActionResult
from bot.adapter import Adapter
from bot.clock import Clock, ManualClock
from bot.community import Community
from bot.delivery import Preparer
from bot.gate import CapabilityGate
from bot.inflight import InFlight
from bot.outbox.followup import outcome
from bot.outbox.jobs import JobEffects
from bot.outbox.report import STAFF
from bot.outbox.sender import Outbox
from bot.platforms import Platforms
from bot.refs import ChannelRef, MessageRef


class Effects:
    """Every action the gate lets through (prepared for its reader, after any fallback) becomes an outbox entry."""

    def __init__(self, clock: Clock, platforms: Platforms, communities: Callable[[], Mapping[str, Community]],
                 preparer: Preparer | None = None) -> None:
        self.communities = communities
        adapters = platforms.adapters
        # one sender per platform; Slack's ~1 post/s per channel is paced there, Discord's buckets
        # by discord.py from its headers (see the README's "Outgoing effects")
        self.outbox = Outbox(clock, adapters, modlog_of=self._modlog_of, staff_of=self._staff_of,
                             intervals={p: float(getattr(a, "post_interval", 0.0)) for p, a in adapters.items()},
                             edit_windows={p: float(getattr(a, "edit_window", 0.0)) for p, a in adapters.items()},
                             concurrency=1 if isinstance(clock, ManualClock) else 8)
        self.outbox.landed = self._landed
        self.hooks: dict[str, Callable[[str, MessageRef], Awaitable[None]]] = {}
        self.jobs = JobEffects()
        self.gate = CapabilityGate(platforms, deliver=self._deliver, preparer=preparer)

    async def stage(self, session: AsyncSession, action: Action, community: Community, *, key: str,
                    deliver_by: datetime | None = None, after: str | None = None,
                    if_not: str | None = None) -> ActionResult:
        """Queue an effect in ``session``'s transaction (through the whole gate: preferences, fallbacks, refusals);
        it goes out on commit, and so does any mod-log note the gate adds about it. With ``after`` it
        waits for that entry and then does what ``if_not`` says (:mod:`bot.outbox.chain`)."""
        with self.jobs.named(session, key, deliver_by, after=after, if_not=if_not):
            return await self.gate.perform(action, community)

    def together(self, session: AsyncSession) -> AbstractAsyncContextManager[None]:
        """A block whose effects staged in ``session`` are written in one statement at its end (a group
        commit's many effects: :mod:`bot.outbox.together`)."""
        return self.outbox.together(session)

    async def outcome(self, keys: list[str]) -> dict[str, tuple[str, MessageRef | None]]:
        """Where keyed effects stand, and the message each delivered one made (:func:`followup.outcome`)."""
        assert self.outbox.db is not None, "the outbox is not started"
        await self.outbox.writes.settled()  # a delivered entry's ``done`` is committed after its slot is free
        return await outcome(self.outbox.db, keys)

    async def result(self, key: str) -> ActionResult | None:
        """The platform's answer to a committed effect (:meth:`Outbox.result`)."""
        return await self.outbox.result(key)

    async def withdraw(self, key: str, why: str) -> bool:
        """Take back an effect not sent yet (:meth:`Outbox.withdraw`)."""
        return await self.outbox.withdraw(key, why)

    def on_delivered(self, prefix: str, hook: Callable[[str, MessageRef], Awaitable[None]]) -> None:
        """Call ``hook(key, message)`` when an effect whose key starts with ``prefix`` made a message
        (a later call for the same prefix replaces it: a reloaded cog's)."""
        self.hooks[prefix] = hook

    async def _landed(self, key: str, message: MessageRef) -> None:
        for prefix, hook in list(self.hooks.items()):
            if key.startswith(prefix):
                await hook(key, message)

    async def settle(self, inflight: InFlight) -> None:
        """Wait until the events in flight are handled and the outbox has sent what it can now."""
        while True:
            await inflight.idle()
            if self.outbox.running:
                await self.outbox.settle()
            if inflight.empty:
                return

    async def stop(self) -> None:
        """Stop the senders (what is pending stays in the database)."""
        if self.outbox.running:
            await self.outbox.stop()

    async def _deliver(self, adapter: Adapter, action: Action, community: Community | None) -> ActionResult:
        name = community.name if community is not None else None
        job = self.jobs.current()
        if job is not None:  # sent once after the job commits; a re-run stages the same keys again
            first = job.named and job.count == 0  # what the gate adds (a note) follows nothing
            await self.outbox.stage(job.session, action, community=name, key=job.next_key(), deliver_by=job.deliver_by,
                                    after=job.after if first else None, if_not=job.if_not if first else None)
            return ActionResult(action, True, code=QUEUED)
        if not self.outbox.running:
            return ActionResult.failure(action, "Steward is not running", "no_platform")
        return await self.outbox.perform(action, name)

    def _modlog_of(self, community: str | None, platform: str) -> ChannelRef | None:
        found = self.communities().get(community or "")
        return None if found is None else found.channel("modlog", platform)

    def _staff_of(self, community: str | None, platform: str) -> ChannelRef | None:
        found = self.communities().get(community or "")
        return None if found is None else found.channel(STAFF, platform)
