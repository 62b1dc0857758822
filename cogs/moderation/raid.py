"""The raid guard: too many joins per minute switch raid mode on; joiners get the raid action until it ends.

One collaborator of the cog with one job. It counts joins, switches raid mode on and off (what
it does to each channel written down first, so a restart knows what to undo, and undone exactly
once), makes every joiner during a raid a case through the case file and the sanctions, and
keeps the raid's one mod-log summary: posted for the first raiders, then edited as more come,
so 200 joins are one message, not 200.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from bot.actions import Action, EditMessage, LockChannel, SetSlowmode
from bot.capabilities import Capability
from bot.components import Button
from bot.content import CommandMention, Content, Mention, Segment, UserText, fmt, text
from bot.durations import format_duration
from bot.events import MemberJoined
from bot.refs import ChannelRef, RoleRef
from bot.scheduler import JobRun
from cogs.moderation import raid_store
from cogs.moderation.casefile import CaseFile
from cogs.moderation.display import target_of
from cogs.moderation.effects import plan as case_plan
from cogs.moderation.sanctions import TIMED, Sanctions
from cogs.moderation.wave import RAID, WaveEntry, summary_lines

JOINS_KEPT = 500


class RaidGuard:
    """Raid mode of one community: a cache of its database row (joins stay in memory only)."""

    def __init__(self, ctx: Any, cases: CaseFile, sanctions: Sanctions, action_id: Any) -> None:
        self.ctx = ctx
        self.cases = cases
        self.sanctions = sanctions
        self._action_id = action_id  # the cog's ``<cog>:<name>`` for the summary's buttons
        self.active = False
        self.since: datetime | None = None
        self.key: str | None = None
        self.joins: deque[datetime] = deque(maxlen=JOINS_KEPT)
        self.raiders: list[WaveEntry] = []  # this raid's cases, all of them listed in its summary
        self._shown = 0  # how many of them the summary shows now
        self._posts = 0  # summary posts of this raid so far (one, unless a post or an edit failed)
        self._summary_due = False

    async def restore(self) -> None:
        """At start (and after /reload) raid mode is what the database says it is."""
        async with self.ctx.db.session() as session:
            raid = await raid_store.current(session, self.ctx.community.name)
        if raid is not None and raid.active:
            self.active, self.since, self.key = True, raid.since, raid.end_key

    # -- joiners ------------------------------------------------------------------------------

    async def join(self, event: MemberJoined) -> list[Action] | None:
        """None when no raid is going on; else the raid action for this joiner (a case of its own)."""
        conf = self.ctx.settings.raid
        if not conf.enabled:
            return None
        now = self.ctx.now()
        self.joins.append(now)
        if not self.active:
            recent = sum(1 for t in self.joins if t >= now - conf.within)
            if recent < conf.joins:
                return None
            await self.switch_on(f"{recent} joins in {format_duration(conf.within)}")
        target = await target_of(self.ctx, event.member, event.display_name or event.name)
        spec = conf.action
        reason = "joined during a raid"
        acts, note = await self.sanctions.punish(target, spec, reason)
        # every raider is a case (an alert where the raid action only alerts), listed in the raid's
        # one summary rather than a post per joiner; its sanction is staged with it (and a timed
        # one's end booked with it), so a crash leaves both or neither, sent once
        case, _points = await self.cases.record(target, spec.kind, reason=reason, rule=RAID,
                                                duration=spec.duration if spec.kind in TIMED else None,
                                                incident_at=event.occurred_at, note=note,
                                                effects=lambda _c: case_plan(acts))
        self.raiders.append(WaveEntry(case.id, case.number, RAID, target.name, target.user.id))
        await self._summary_later()
        return []

    async def summarise(self) -> None:
        """Post the raid's summary, or bring the one posted up to date (nothing when nothing is new).

        The first summary is an outbox entry of its own (key ``raid-summary:<raid>:<n>``); later ones
        edit the message it became. While it is still on its way the update waits for the next
        turn; if it could not be delivered (or edited), the next summary is a new post.
        """
        self._summary_due = False
        if len(self.raiders) == self._shown:
            return
        content = self._summary_content()
        if self._posts:
            found = await self.ctx.effects_of([f"{self._key()}:{p}" for p in self.ctx.platforms()])
            if any(status in ("pending", "sending") for status, _ref in found.values()):
                await self._summary_later()
                return
            refs = [ref for status, ref in found.values() if status == "done" and ref is not None]
            edits = [EditMessage(message=ref, content=content) for ref in refs if self.ctx.can(ref.platform,
                                                                                                Capability.EDIT)]
            if edits and all(r.ok for r in await self.ctx.perform_all(edits)):
                self._shown = len(self.raiders)
                return
        self._posts += 1
        self._shown = len(self.raiders)
        async with self.ctx.db.session() as session, session.begin():
            await self.ctx.modlog_later(session, content, key=self._key())

    def _key(self) -> str:
        since = int(self.since.timestamp()) if self.since is not None else 0
        return f"raid-summary:{since}:{self._posts}"

    async def _summary_later(self) -> None:
        if not self._summary_due:
            self._summary_due = True
            await self.ctx.schedule("wave_summary", self.ctx.now() + self.ctx.settings.wave.summary_every,
                                    {"channel": RAID, "platform": ""},
                                    key=f"wave:raid:{self._key()}:{self.ctx.now().timestamp()}")

    def _summary_content(self) -> Content:
        entries = self.raiders
        _rules, members, cases = summary_lines(entries)
        first, last = entries[0].number, max(e.number for e in entries)
        people = len({e.user_id for e in entries})
        since = f" since {self.ctx.when(self.since)}" if self.since is not None else ""
        content = fmt("🚨 Raid: {n} joiner(s){since}, each a case (this post is updated as more join).\n"
                      "Joined: {members}\nCases: {cases}", n=len(entries), since=since, members=UserText(members),
                      cases=cases)
        value = f"{RAID}:{first}:{last}"
        return content.with_buttons(Button(f"Ban these {people}", self._action_id("wave_ban"), value, "danger"),
                                    Button("Undo these cases", self._action_id("wave_undo"), value, "secondary"))

    # -- raid mode on and off -----------------------------------------------------------------

    def _channels(self) -> list[ChannelRef]:
        names = self.ctx.settings.raid.channels or ["#general"]
        return [ref for platform in self.ctx.platforms() for name in names
                if (ref := self.ctx.community.channel(name, platform)) is not None]

    def _name(self, channel: ChannelRef) -> str:
        return "#" + self.ctx.channel_mention(channel).name

    async def _plans(self, seconds: int, notes: list[str]) -> list[raid_store.RaidChannel]:
        """What raid mode will do to each of its channels (a stricter setting a moderator made stays)."""
        conf = self.ctx.settings.raid
        async with self.ctx.db.session() as session:
            known = await raid_store.channel_settings(session, self.ctx.community.name)
        plans: list[raid_store.RaidChannel] = []
        for channel in self._channels():
            prev_slow, prev_locked = known.get((channel.platform, channel.id), (0, False))
            slow = lock = False
            if conf.slowmode is not None:
                if not self.ctx.can(channel.platform, Capability.SLOWMODE):
                    notes.append(f"{channel.platform} has no slowmode; {self._name(channel)} was not slowed")
                else:
                    slow = prev_slow < seconds
            if conf.lock:
                if not self.ctx.can(channel.platform, Capability.LOCK):
                    notes.append(f"{channel.platform} can't lock channels; {self._name(channel)} stays open")
                else:
                    lock = not prev_locked
            if slow or lock:
                plans.append(raid_store.RaidChannel(channel.platform, channel.id, slow, prev_slow, lock, prev_locked))
        return plans

    async def switch_on(self, why: str, by: str = "Steward") -> list[str]:
        """Switch raid mode on: alert moderators (pinging their role), slow or lock channels."""
        conf = self.ctx.settings.raid
        now = self.ctx.now()
        community = self.ctx.community.name
        notes: list[str] = []
        seconds = int(conf.slowmode.total_seconds()) if conf.slowmode is not None else 0
        plans = await self._plans(seconds, notes)
        key = f"raid:{int(now.timestamp())}" if conf.ends_after is not None else None
        # what raid mode is about to do is written down first: a restart must know what to undo
        async with self.ctx.db.session() as session, session.begin():
            if not await raid_store.switch_on(session, community, since=now, why=why, by=by, end_key=key,
                                              channels=plans):
                self.active = True
                return []
        self.active, self.since, self.key = True, now, key
        self.raiders, self._shown, self._posts, self._summary_due = [], 0, 0, False
        await self._apply(plans, seconds, notes)
        if key is not None and conf.ends_after is not None:
            await self.ctx.schedule("raid_end", now + conf.ends_after, {"key": key}, key=key)
        await self.ctx.modlog(self._announcement(why, by, notes))
        return notes

    async def _apply(self, plans: list[raid_store.RaidChannel], seconds: int, notes: list[str]) -> None:
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
                    await raid_store.not_undone(session, self.ctx.community.name, act.channel.platform,
                                                act.channel.id, slowmode=isinstance(act, SetSlowmode),
                                                lock=isinstance(act, LockChannel))

    def _announcement(self, why: str, by: str, notes: list[str]) -> Content:
        conf = self.ctx.settings.raid
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
        return Content(tuple(segments), ping=tuple(pings))

    async def switch_off(self, by: str, run: JobRun | None = None) -> bool:
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
                self.active = False
            return False  # already ended (or the job of an earlier raid): nothing is undone twice
        self.active = False
        if run is None and self.key:
            await self.ctx.cancel(self.key)
        self.key = None
        actions: list[Action] = []
        for c in undo:
            channel = ChannelRef(c.platform, c.channel_id)
            if c.slowed and self.ctx.can(c.platform, Capability.SLOWMODE):
                actions.append(SetSlowmode(channel=channel, seconds=c.prev_slowmode, reason="raid over"))
            if c.locked and self.ctx.can(c.platform, Capability.LOCK):
                actions.append(LockChannel(channel=channel, locked=c.prev_locked, reason="raid over"))
        await self.ctx.perform_all(actions)
        self.joins.clear()
        await self.summarise()  # the last joiners in the summary before the all-clear
        await self.ctx.modlog(fmt("Raid mode OFF (by {by}).", by=by))
        return True
