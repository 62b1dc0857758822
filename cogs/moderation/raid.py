"""Raid mode: too many joins per minute switch it on; joiners get the raid action until it ends."""

from __future__ import annotations

from bot.actions import Action, LockChannel, SetSlowmode
from bot.capabilities import Capability
from bot.cog import command, job
from bot.commands import Param, ParamType
from bot.content import CommandMention, Content, Mention, Segment, UserText, fmt, text
from bot.durations import format_duration
from bot.events import CommandInvoked, MemberJoined
from bot.permissions import Level
from bot.refs import ChannelRef, RoleRef
from bot.scheduler import JobRun
from cogs.moderation import raid_store
from cogs.moderation.enforce import Enforcement
from cogs.moderation.wave import RAID


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
        reason = "joined during a raid"
        acts, note = await self.punish(target, spec, reason)
        # every raider is a case (an alert where the raid action only alerts), listed in one mod-log
        # summary every few seconds rather than a post per joiner
        case = await self.open_case(target, spec.kind, reason=reason, rule="raid",
                                    duration=spec.duration if spec.kind in ("timeout", "ban") else None,
                                    incident_at=event.occurred_at, note=note)
        await self.schedule_expiry(case)
        await self.hold_for_summary(case, RAID, event.member.platform)
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

    async def restore_raid(self) -> None:
        """At start (and after /reload) raid mode is what the database says it is."""
        async with self.ctx.db.session() as session:
            raid = await raid_store.current(session, self.ctx.community.name)
        if raid is not None and raid.active:
            self.raid.active, self.raid.since, self.raid.key = True, raid.since, raid.end_key

    async def raid_on(self, why: str, by: str = "Steward") -> list[str]:
        """Switch raid mode on: alert moderators (pinging their role), slow or lock channels."""
        conf = self.conf.raid
        now = self.ctx.now()
        community = self.ctx.community.name
        notes: list[str] = []
        plans: list[raid_store.RaidChannel] = []
        async with self.ctx.db.session() as session:
            known = await raid_store.channel_settings(session, community)
        seconds = int(conf.slowmode.total_seconds()) if conf.slowmode is not None else 0
        for channel in self._raid_channels():
            prev_slow, prev_locked = known.get((channel.platform, channel.id), (0, False))
            slow = lock = False
            if conf.slowmode is not None:
                if not self.ctx.can(channel.platform, Capability.SLOWMODE):
                    notes.append(f"{channel.platform} has no slowmode; {self._name(channel)} was not slowed")
                else:
                    slow = prev_slow < seconds  # a stricter slowmode a moderator set stays as it is
            if conf.lock:
                if not self.ctx.can(channel.platform, Capability.LOCK):
                    notes.append(f"{channel.platform} can't lock channels; {self._name(channel)} stays open")
                else:
                    lock = not prev_locked
            if slow or lock:
                plans.append(raid_store.RaidChannel(channel.platform, channel.id, slow, prev_slow, lock,
                                                    prev_locked))
        key = f"raid:{int(now.timestamp())}" if conf.ends_after is not None else None
        # what raid mode is about to do is written down first: a restart must know what to undo
        async with self.ctx.db.session() as session, session.begin():
            if not await raid_store.switch_on(session, community, since=now, why=why, by=by, end_key=key,
                                              channels=plans):
                self.raid.active = True
                return []
        self.raid.active, self.raid.since, self.raid.key = True, now, key
        actions: list[Action] = []
        for plan in plans:
            channel = ChannelRef(plan.platform, plan.channel_id)
            if plan.slowed:
                actions.append(SetSlowmode(channel=channel, seconds=seconds, reason="raid mode"))
            if plan.locked:
                actions.append(LockChannel(channel=channel, locked=True, reason="raid mode"))
        for result in await self.ctx.perform_all(actions):
            if not result.ok:
                # not done, so not to be undone either
                act = result.action
                assert isinstance(act, (SetSlowmode, LockChannel))
                notes.append(f"{self._name(act.channel)}: {result.error}")
                async with self.ctx.db.session() as session, session.begin():
                    await raid_store.not_undone(session, community, act.channel.platform, act.channel.id,
                                                slowmode=isinstance(act, SetSlowmode),
                                                lock=isinstance(act, LockChannel))
        if key is not None and conf.ends_after is not None:
            await self.ctx.schedule("raid_end", now + conf.ends_after, {"key": key}, key=key)
        pings: list[RoleRef] = []
        segments: list[Segment] = list(fmt("🚨 Raid mode ON ({why}, by {by}). New joiners get: {what}.",
                                           why=why, by=by, what=text(conf.action.describe())).segments)
        if conf.ping_moderators:
            # the one deliberate ping: moderators must see a raid now
            for platform in self.ctx.platforms():
                for role in sorted(self.ctx.community.roles_for("moderator", platform), key=lambda r: r.id):
                    pings.append(role)
                    segments += [" ", Mention(role, role.id)]
        if notes:
            segments += ["\nNote: ", UserText("; ".join(notes))]  # platform error text among them
        segments += ["\nEnd it with ", CommandMention("raid", "off"), "."]
        await self.ctx.modlog(Content(tuple(segments), ping=tuple(pings)))
        return notes

    async def raid_off(self, by: str, run: JobRun | None = None) -> bool:
        """End raid mode and put back exactly what it changed, once; False if it was not on.

        The end job claims the end in its own transaction (committed with the job), so a crash
        midway runs it again; a moderator's /raid off claims it and cancels the job.
        """
        community = self.ctx.community.name
        if run is not None:
            undo = await raid_store.switch_off(run.session, community, at=self.ctx.now(), by=by,
                                               end_key=str(run.payload.get("key") or run.key.partition(":")[2]))
        else:
            async with self.ctx.db.session() as session, session.begin():
                undo = await raid_store.switch_off(session, community, at=self.ctx.now(), by=by)
        if undo is None:
            if run is None:
                self.raid.active = False
            return False  # already ended (or the job of an earlier raid): nothing is undone twice
        self.raid.active = False
        if run is None and self.raid.key:
            await self.ctx.cancel(self.raid.key)
        self.raid.key = None
        actions: list[Action] = []
        for c in undo:
            channel = ChannelRef(c.platform, c.channel_id)
            if c.slowed and self.ctx.can(c.platform, Capability.SLOWMODE):
                actions.append(SetSlowmode(channel=channel, seconds=c.prev_slowmode, reason="raid over"))
            if c.locked and self.ctx.can(c.platform, Capability.LOCK):
                actions.append(LockChannel(channel=channel, locked=c.prev_locked, reason="raid over"))
        await self.ctx.perform_all(actions)
        self.raid.joins.clear()
        for platform in self.ctx.platforms():  # the last joiners' summary comes before the all-clear
            await self.post_summary(ChannelRef(platform, RAID))
        await self.ctx.modlog(fmt("Raid mode OFF (by {by}).", by=by))
        return True

    @command("raid", "Switch raid mode on or off.", level=Level.MODERATOR,
             params=[Param("state", ParamType.CHOICE, choices=("on", "off"))])
    async def raid_command(self, event: CommandInvoked, state: str) -> Action:
        """/raid on|off."""
        actor = await self.target(event.user)
        if state == "on":
            if self.raid.active:
                return self.reply(event, "Raid mode is already on.")
            notes = await self.raid_on("switched on by hand", by=actor.name)
            extra = fmt(" Note: {n}", n="; ".join(notes)) if notes else ""
            return self.reply(event, fmt("Raid mode is on.{extra}", extra=extra))
        if not await self.raid_off(actor.name):
            return self.reply(event, "Raid mode is not on.")
        return self.reply(event, "Raid mode is off.")

    @job("raid_end")
    async def raid_end(self, run: JobRun) -> None:
        """Raid mode ends by itself after ``raid.ends_after`` (unless it was ended or restarted meanwhile)."""
        await self.raid_off("Steward (timer)", run)
