"""The bridge cog: messages in a bridged logical channel are relayed to its channel on every other platform.

Order in the pipeline: the bridge handles messages at priority 100, after moderation (-100) and
every other cog; when moderation deletes a message the dispatcher stops before the bridge, so it
is never relayed. A message deleted later (by a moderator, a purge, its author) takes its relayed
copies with it: delivered copies are deleted, queued ones withdrawn from the outbox, and one
being sent right then is chased by a job a few seconds later. Steward's own posts (the copies)
and other bots' never cross, so nothing loops. Every copy is an outbox effect with its own key:
a rate-limited target holds it, in order, until it can go.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.actions import DeleteMessage, EditMessage, SendMessage
from bot.cog import Cog, job, on
from bot.events import MessageDeleted, MessageEdited, MessagePosted
from bot.refs import ChannelRef, MessageRef
from bot.scheduler import JobRun
from cogs.bridge import relay, store
from cogs.bridge.settings import BridgeSettings
from cogs.bridge.store import Relay

CHASE_AFTER = timedelta(seconds=10)


class BridgeCog(Cog):
    """Relays messages between the platforms of each bridged channel, following edits and deletes."""

    name = "bridge"
    settings_model = BridgeSettings
    migrations = Path(__file__).parent / "migrations" / "versions"

    async def setup(self) -> None:
        """Say which bridged channels can't relay here (mapped on fewer than two running platforms)."""
        settings: BridgeSettings = self.settings
        for purpose in settings.channels:
            where = self.ctx.community.logical(purpose)
            if len(where) < 2:
                self.ctx.log.info("bridge: %s is on %s only here; nothing to relay it to", purpose,
                                     ", ".join(where) or "no running platform")

    def _targets(self, channel: ChannelRef) -> list[ChannelRef]:
        settings: BridgeSettings = self.settings
        out: list[ChannelRef] = []
        for purpose in self.ctx.community.purposes_of(channel):
            if purpose in settings.channels:
                out.extend(ref for p, ref in self.ctx.community.logical(purpose).items()
                           if p != channel.platform and ref not in out)
        return out

    @on(MessagePosted, priority=100)
    async def relay_post(self, event: MessagePosted) -> None:
        """Stage one copy (or its parts) per other platform, with the parts recorded, in one transaction."""
        if event.is_bot or event.is_dm:
            return
        targets = self._targets(event.message.channel)
        if not targets:
            return
        settings: BridgeSettings = self.settings
        text = relay.body(event.text, event.attachments, settings.attachments)
        if not text.strip():
            return
        source, community = event.message, self.ctx.community.name
        async with self.ctx.db.session() as session, session.begin():
            for target in targets:
                made = relay.compose(event.author_name, source.platform, text, settings.limit(target.platform),
                                     overflow=settings.overflow)
                for part, content in enumerate(made.parts):
                    key = _key(source, target, part)
                    await store.add(session, community, source, target, part, key, self.ctx.now())
                    await self.ctx.effect(session, SendMessage(channel=target, content=content), key=key)

    @on(MessageEdited, priority=100)
    async def relay_edit(self, event: MessageEdited) -> None:
        """Edit delivered copies; a copy still queued is taken back and queued again with the new text."""
        if event.is_bot or (event.before is not None and event.before == event.text):
            return
        settings: BridgeSettings = self.settings
        community = self.ctx.community.name
        async with self.ctx.db.session() as session:
            relays = await store.of(session, community, event.message)
        if not relays:
            return
        found = await self.ctx.effects_of([r.key for r in relays])
        text = relay.body(event.text, (), False)
        async with self.ctx.db.session() as session, session.begin():
            for platform in sorted({r.target.platform for r in relays}):
                mine = [r for r in relays if r.target.platform == platform]
                made = relay.compose(event.author_name, event.message.platform, text, settings.limit(platform),
                                     overflow=settings.overflow)
                surplus: list[int] = []
                for i, r in enumerate(mine):
                    status, copy = found.get(r.key, ("", None))
                    if i >= len(made.parts):
                        surplus.append(r.id)
                        await self._remove(r, status, copy, why="edited shorter")
                        continue
                    content = made.parts[i]
                    if copy is not None:
                        await self.ctx.effect(session, EditMessage(message=copy, content=content),
                                              key=f"{r.key}:edit:{event.event_id}")
                    elif status == "pending" and await self.ctx.withdraw(r.key, "edited before it went out"):
                        new_key = f"{r.key}:v:{event.event_id}"
                        await store.rekey(session, r.id, new_key)
                        await self.ctx.effect(session, SendMessage(channel=r.target, content=content), key=new_key)
                    else:
                        self.ctx.log.info("bridge: %s is being sent; the edit can't follow it", r.key)
                for extra in range(len(mine), len(made.parts)):
                    key = f"{_key(event.message, mine[0].target, extra)}:v:{event.event_id}"
                    await store.add(session, community, event.message, mine[0].target, extra, key, self.ctx.now())
                    await self.ctx.effect(session, SendMessage(channel=mine[0].target, content=made.parts[extra]),
                                          key=key)
                await store.drop(session, surplus)

    @on(MessageDeleted)
    async def relay_delete(self, event: MessageDeleted) -> None:
        """A deleted message takes its copies with it."""
        await self._delete_copies(event.message)

    @job("chase")
    async def chase(self, run: JobRun) -> None:
        """Delete the copies that were being sent when their message was deleted."""
        payload = run.payload
        source = MessageRef(str(payload["platform"]), str(payload["channel"]), str(payload["message"]))
        relays = await store.of(run.session, self.ctx.community.name, source)
        # withdraw before performing: on SQLite a job writes through its own session only once it acted
        gone = await self._withdraw_queued(relays)
        left = await self._delete_delivered([r for r in relays if r.id not in gone], gone)
        await store.drop(run.session, gone)
        if left:
            self.ctx.log.warning("bridge: %d copy(ies) of %s could not be removed", left, source)

    async def _delete_copies(self, source: MessageRef) -> None:
        community = self.ctx.community.name
        async with self.ctx.db.session() as session:
            relays = await store.of(session, community, source)
        if not relays:
            return
        gone = await self._withdraw_queued(relays)
        left = await self._delete_delivered([r for r in relays if r.id not in gone], gone)
        async with self.ctx.db.session() as session, session.begin():
            await store.drop(session, gone)
        if left:
            await self.ctx.schedule("chase", self.ctx.now() + CHASE_AFTER, {
                "platform": source.platform, "channel": source.channel_id, "message": source.id},
                key=f"bridge:chase:{source.platform}:{source.channel_id}:{source.id}")

    async def _withdraw_queued(self, relays: list[Relay]) -> list[int]:
        found = await self.ctx.effects_of([r.key for r in relays])
        return [r.id for r in relays if found.get(r.key, ("", None))[0] == "pending"
                and await self.ctx.withdraw(r.key, "its message was deleted")]

    async def _delete_delivered(self, relays: list[Relay], gone: list[int]) -> int:
        """Delete each delivered copy (adding its id to ``gone``); returns how many are still on their way."""
        found = await self.ctx.effects_of([r.key for r in relays])
        left = 0
        for r in relays:
            status, copy = found.get(r.key, ("", None))
            if copy is not None:
                await self.ctx.perform(DeleteMessage(message=copy, reason="bridge: its message was deleted"))
                gone.append(r.id)
            elif status in ("pending", "sending"):
                left += 1
            else:
                gone.append(r.id)  # failed, expired or withdrawn: there is no copy to remove
        return left

    async def _remove(self, r: Relay, status: str, copy: MessageRef | None, *, why: str) -> bool:
        """Delete a delivered copy or withdraw a queued one; False when it is on its way right now."""
        if copy is not None:
            await self.ctx.perform(DeleteMessage(message=copy, reason=f"bridge: {why}"))
            return True
        if status == "pending":
            return await self.ctx.withdraw(r.key, why)
        return status != "sending"  # failed, expired or never staged: there is no copy to remove


def _key(source: MessageRef, target: ChannelRef, part: int) -> str:
    return f"bridge:{source.platform}:{source.channel_id}:{source.id}:{target.platform}:{part}"
