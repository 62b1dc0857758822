"""Channel commands: /slowmode /lock /unlock, and /raid with its end job (the raid guard does the work)."""

from __future__ import annotations

from bot.actions import Action, LockChannel, SetSlowmode
from bot.capabilities import Capability
from bot.cog import command, job
from bot.commands import Param, ParamType
from bot.content import fmt
from bot.durations import DurationError, format_duration, parse_duration
from bot.events import CommandInvoked
from bot.permissions import Level
from bot.refs import ChannelRef
from bot.scheduler import JobRun
from cogs.moderation import raid_store
from cogs.moderation.base import ModerationBase

CHANNEL = Param("channel", ParamType.CHANNEL, "which channel (default: this one)", required=False)


class ChannelCommands(ModerationBase):
    """Slowing and locking channels, with the platform's permission checked first."""

    def _channel(self, event: CommandInvoked, channel: ChannelRef | None) -> ChannelRef | None:
        return channel or event.origin.channel

    async def _named_channel(self, event: CommandInvoked, name: str) -> ChannelRef | None:
        """A channel written on a text line, resolved as the command parser resolves one."""
        return await self.ctx.services.platforms.resolver(event.platform).resolve_channel(event.scope, name)

    async def _remember_setting(self, where: ChannelRef, *, slowmode: int | None = None,
                                locked: bool | None = None) -> None:
        """Keep the moderator's setting: raid mode puts it back, and its end no longer overrides it."""
        community = self.ctx.community.name
        async with self.ctx.db.session() as session, session.begin():
            await raid_store.remember_setting(session, community, where.platform, where.id,
                                              slowmode=slowmode, locked=locked)
            await raid_store.not_undone(session, community, where.platform, where.id,
                                        slowmode=slowmode is not None, lock=locked is not None)

    @command("slowmode", "Limit how often members may post in a channel.", level=Level.MODERATOR,
             params=[CHANNEL, Param("interval", ParamType.TEXT, "e.g. 30s, or off (before or after the channel)")])
    async def slowmode(self, event: CommandInvoked, channel: ChannelRef | None, interval: str) -> list[Action]:
        """/slowmode [#channel] 30s|off, or /slowmode 30s|off [#channel]: on a text line either order works."""
        word, _, after = interval.strip().partition(" ")
        if after.strip():  # `/slowmode 10s #general`: the channel came second
            named = None if channel is not None else await self._named_channel(event, after.strip())
            if named is None:
                return [self.reply(event, fmt("/slowmode: give the interval and at most one channel "
                                              "(`{usage}`), not `{extra}`.", usage="/slowmode #general 30s",
                                              extra=after.strip()))]
            channel, interval = named, word
        where = self._channel(event, channel)
        if where is None:
            return [self.reply(event, "Name a channel.")]
        if not self.ctx.can(where.platform, Capability.SLOWMODE):
            return [self.reply(event, fmt("Can't: {p} has no slowmode.", p=where.platform))]
        if interval.lower() in ("off", "0", "none"):
            seconds = 0
        else:
            try:
                seconds = int(parse_duration(interval).total_seconds())
            except DurationError as exc:
                return [self.reply(event, fmt("/slowmode: {why}.", why=str(exc)))]
            if seconds > 6 * 3600:
                return [self.reply(event, "/slowmode: at most 6h.")]
        actor = await self.target(event.user)
        label = format_duration(parse_duration(f"{seconds}s")) if seconds else "off"
        where_m = self.ctx.channel_mention(where)
        await self._remember_setting(where, slowmode=seconds)
        await self.ctx.modlog(fmt("{a} set slowmode in {c}: {l}.", a=actor.name, c=where_m, l=label))
        return [SetSlowmode(channel=where, seconds=seconds, reason=f"by {actor.name}"),
                self.reply(event, fmt("Slowmode in {c}: {l}.", c=where_m, l=label))]

    async def _lock(self, event: CommandInvoked, channel: ChannelRef | None, locked: bool) -> list[Action]:
        where = self._channel(event, channel)
        if where is None:
            return [self.reply(event, "Name a channel.")]
        if not self.ctx.can(where.platform, Capability.LOCK):
            return [self.reply(event, fmt("Can't: {p} doesn't let Steward lock channels.", p=where.platform))]
        actor = await self.target(event.user)
        verb = "locked" if locked else "unlocked"
        where_m = self.ctx.channel_mention(where)
        await self._remember_setting(where, locked=locked)
        await self.ctx.modlog(fmt("{a} {v} {c}.", a=actor.name, v=verb, c=where_m))
        return [LockChannel(channel=where, locked=locked, reason=f"by {actor.name}"),
                self.reply(event, fmt("{c} {v}.", c=where_m, v=verb))]

    @command("lock", "Stop members (not moderators) posting in a channel.", level=Level.MODERATOR,
             params=[CHANNEL])
    async def lock(self, event: CommandInvoked, channel: ChannelRef | None) -> list[Action]:
        """/lock [#channel]."""
        return await self._lock(event, channel, True)

    @command("unlock", "Let members post in a channel again.", level=Level.MODERATOR, params=[CHANNEL])
    async def unlock(self, event: CommandInvoked, channel: ChannelRef | None) -> list[Action]:
        """/unlock [#channel]."""
        return await self._lock(event, channel, False)

    @command("raid", "Switch raid mode on or off.", level=Level.MODERATOR,
             params=[Param("state", ParamType.CHOICE, choices=("on", "off"))])
    async def raid_command(self, event: CommandInvoked, state: str) -> Action:
        """/raid on|off."""
        actor = await self.target(event.user)
        if state == "on":
            if self.raid.active:
                return self.reply(event, "Raid mode is already on.")
            notes = await self.raid.switch_on("switched on by hand", by=actor.name)
            extra = fmt(" Note: {n}", n="; ".join(notes)) if notes else ""
            return self.reply(event, fmt("Raid mode is on.{extra}", extra=extra))
        if not await self.raid.switch_off(actor.name):
            return self.reply(event, "Raid mode is not on.")
        return self.reply(event, "Raid mode is off.")

    @job("raid_end")
    async def raid_end(self, run: JobRun) -> None:
        """Raid mode ends by itself after ``raid.ends_after`` (unless it was ended or restarted meanwhile)."""
        await self.raid.switch_off("Steward (timer)", run)
