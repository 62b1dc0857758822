"""Raid mode: too many joins per minute switch it on; joiners get the raid action until it ends."""

from __future__ import annotations

from bot.actions import Action, LockChannel, SetSlowmode
from bot.capabilities import Capability
from bot.cog import command, job
from bot.commands import Param, ParamType
from bot.content import Content, Mention, text
from bot.durations import format_duration
from bot.events import CommandInvoked, MemberJoined
from bot.permissions import Level
from bot.refs import ChannelRef, RoleRef
from bot.scheduler import JobRun
from cogs.moderation.enforce import Enforcement


class RaidControl(Enforcement):
    """Detects raids, switches raid mode on and off, and handles joiners meanwhile."""

    async def raid_join(self, event: MemberJoined) -> list[Action] | None:
        """None when no raid is going on; else the raid action for this joiner."""
        conf = self.conf.raid
        if not conf.enabled:
            return None
        now = self.ctx.now()
        self.raid.joins.append(now)
        if not self.raid.active:
            recent = sum(1 for t in self.raid.joins if t >= now - conf.within)
            if recent < conf.joins:
                return None
            await self.raid_on(f"{recent} joins in {format_duration(conf.within)}")
        target = await self.target(event.member, event.display_name or event.name)
        spec = conf.action
        if spec.kind == "alert":
            await self.ctx.modlog(Content(("Raid mode: ", target.mention(), " joined.")))
            return []
        reason = "joined during a raid"
        acts, note = await self.punish(target, spec, reason)
        case = await self.open_case(target, spec.kind, reason=reason, rule="raid",
                                    duration=spec.duration if spec.kind in ("timeout", "ban") else None,
                                    incident_at=event.occurred_at, note=note)
        await self.schedule_expiry(case)
        await self.post_case(case, self.case_content(case, headline="Raid: "), self.review_buttons(case))
        return acts

    def _raid_channels(self) -> list[ChannelRef]:
        names = self.conf.raid.channels or ["#general"]
        out = []
        for platform in self.ctx.platforms():
            for name in names:
                ref = self.ctx.community.channel(name, platform)
                if ref is not None:
                    out.append(ref)
        return out

    def _name(self, channel: ChannelRef) -> str:
        return "#" + self.ctx.channel_mention(channel).name

    async def raid_on(self, why: str, by: str = "Steward") -> list[str]:
        """Switch raid mode on: alert moderators (pinging their role), slow or lock channels."""
        conf = self.conf.raid
        now = self.ctx.now()
        self.raid.active, self.raid.since = True, now
        notes: list[str] = []
        actions: list[Action] = []
        for channel in self._raid_channels():
            if conf.slowmode is not None:
                if self.ctx.can(channel.platform, Capability.SLOWMODE):
                    actions.append(SetSlowmode(channel=channel, seconds=int(conf.slowmode.total_seconds()),
                                               reason="raid mode"))
                else:
                    notes.append(f"{channel.platform} has no slowmode; {self._name(channel)} was not slowed")
            if conf.lock:
                if self.ctx.can(channel.platform, Capability.LOCK):
                    actions.append(LockChannel(channel=channel, locked=True, reason="raid mode"))
                else:
                    notes.append(f"{channel.platform} can't lock channels; {self._name(channel)} stays open")
        await self.ctx.perform_all(actions)
        if conf.ends_after is not None:
            self.raid.key = f"raid:{int(now.timestamp())}"
            await self.ctx.schedule("raid_end", now + conf.ends_after, {}, key=self.raid.key)
        pings: list[RoleRef] = []
        segments: list[str | Mention] = [f"🚨 Raid mode ON ({why}, by {by}). New joiners get: "
                                         f"{conf.action.describe()}."]
        if conf.ping_moderators:
            # the one deliberate ping: moderators must see a raid now
            for platform in self.ctx.platforms():
                for role in sorted(self.ctx.community.roles_for("moderator", platform), key=lambda r: r.id):
                    pings.append(role)
                    segments += [" ", Mention(role, role.id)]
        if notes:
            segments.append("\nNote: " + "; ".join(notes))
        segments.append("\nEnd it with /raid off.")
        await self.ctx.modlog(Content(tuple(segments), ping=tuple(pings)))
        return notes

    async def raid_off(self, by: str) -> None:
        """End raid mode and restore the channels."""
        if not self.raid.active:
            return
        conf = self.conf.raid
        self.raid.active = False
        if self.raid.key:
            await self.ctx.cancel(self.raid.key)
            self.raid.key = None
        actions: list[Action] = []
        for channel in self._raid_channels():
            if conf.slowmode is not None and self.ctx.can(channel.platform, Capability.SLOWMODE):
                actions.append(SetSlowmode(channel=channel, seconds=0, reason="raid over"))
            if conf.lock and self.ctx.can(channel.platform, Capability.LOCK):
                actions.append(LockChannel(channel=channel, locked=False, reason="raid over"))
        await self.ctx.perform_all(actions)
        self.raid.joins.clear()
        await self.ctx.modlog(text(f"Raid mode OFF (by {by})."))

    @command("raid", "Switch raid mode on or off.", level=Level.MODERATOR,
             params=[Param("state", ParamType.CHOICE, choices=("on", "off"))])
    async def raid_command(self, event: CommandInvoked, state: str) -> Action:
        """/raid on|off."""
        actor = await self.target(event.user)
        if state == "on":
            if self.raid.active:
                return self.reply(event, "Raid mode is already on.")
            notes = await self.raid_on("switched on by hand", by=actor.name)
            extra = f" Note: {'; '.join(notes)}" if notes else ""
            return self.reply(event, f"Raid mode is on.{extra}")
        if not self.raid.active:
            return self.reply(event, "Raid mode is not on.")
        await self.raid_off(actor.name)
        return self.reply(event, "Raid mode is off.")

    @job("raid_end")
    async def raid_end(self, run: JobRun) -> None:
        """Raid mode ends by itself after ``raid.ends_after``."""
        if self.raid.active and self.raid.key and run.key.endswith(self.raid.key):
            self.raid.key = None
            await self.raid_off("Steward (timer)")
