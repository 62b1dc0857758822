"""The casework the moderation cog's handlers share, and the parts it is built from.

The cog is composed of collaborators with one job each, built here and reached only through
their interfaces: the case file (:mod:`~cogs.moderation.casefile`), the sanctions
(:mod:`~cogs.moderation.sanctions`: punish, lift, supersede, expire), the raid guard
(:mod:`~cogs.moderation.raid`), the enforcer (:mod:`~cogs.moderation.enforce`) and the rule set
(:mod:`~cogs.moderation.ruleset`). What stays here is the desk they share: mod-log posts (one per
case, or a wave's summary), the member's DM, deletes (bulk in a wave) and the checks every
command makes. The short methods below that hand over to a part keep the names other modules call.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.actions import (
    Action,
    ActionResult,
    BulkDelete,
    DeleteMessage,
    Reply,
    SendDirect,
    SendMessage,
)
from bot.capabilities import Capability
from bot.cog import Cog
from bot.components import Button
from bot.content import Content, Mention, Segment, UserText, fmt, text, with_commands
from bot.durations import format_duration
from bot.events import CommandInvoked
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.replies import reply
from cogs.moderation import repository as repo
from cogs.moderation.actions import ActionSpec
from cogs.moderation.activity import Tracker
from cogs.moderation.batching import Batcher
from cogs.moderation.casefile import CaseEffect, CaseFile, Effects, effect_key
from cogs.moderation.display import EXCERPT, Target, excerpt, target_of
from cogs.moderation.effects import plan
from cogs.moderation.enforce import Enforcer
from cogs.moderation.mirror import Mirror
from cogs.moderation.models import ACTIVE, REVOKED
from cogs.moderation.raid import RaidGuard
from cogs.moderation.repository import Case
from cogs.moderation.rules import Hit
from cogs.moderation.ruleset import RuleSet
from cogs.moderation.sanctions import Sanctions
from cogs.moderation.settings import ModerationSettings
from cogs.moderation.wave import RAID, WaveEntry, WaveGuard, summary_lines

__all__ = ["EXCERPT", "ModerationBase", "Target", "excerpt"]

# how long a wave's delete waits for the channel's next ones (Discord bulk-deletes up to 100 in one call)
WAVE_DELETE_HOLD = 0.1


async def _let_through(items: list[None]) -> list[None]:
    return items


class ModerationBase(Cog):
    """The state and helpers every part of the moderation cog shares."""

    name = "moderation"
    settings_model = ModerationSettings
    migrations = Path(__file__).parent / "migrations" / "versions"
    requires = frozenset({Capability.READ_MESSAGES})  # rules read what members write; blind, every message passes

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx)
        self.tracker = Tracker()
        # per channel, the last messages Steward saw (author id, time), oldest first: /purge's candidates;
        # a dict so that forgetting a deleted message costs O(1) in a wave of deletes; keyed by the message's
        # id (a string hashes in C, a MessageRef in Python, and every message is remembered)
        self.recent: dict[str, dict[str, tuple[MessageRef, str, datetime]]] = {}
        self.cases = CaseFile(ctx)  # the case file: every case through one group commit
        self.sanctions = Sanctions(ctx, self.cases)
        self.raid = RaidGuard(ctx, self.cases, self.sanctions, self.action_id)
        self.enforcer = Enforcer(ctx, self, self.cases, self.sanctions)
        self.mirror = Mirror(self)  # a ban carried over to a linked person's other accounts
        self.wave = WaveGuard()
        self._deleters: dict[ChannelRef, Batcher[MessageRef, ActionResult]] = {}
        # every message that broke a rule passes here before its case is made: a wave's handlers go on
        # a few per turn of the event loop, so their casework never holds the loop for all of them at once
        self.turnstile: Batcher[None, None] = Batcher(_let_through)
        self._rule_set: RuleSet | None = None  # the rules of the settings running now (see Watch.rule_set)

    @contextlib.asynccontextmanager
    async def one_at_a_time(self, user: UserRef) -> AsyncIterator[None]:
        """Serialise what happens to one member: two messages handled at once must not both
        cross an escalation threshold (events from Slack and Discord arrive concurrently)."""
        async with self.ctx.lock(await self.ctx.person(user)):  # the core's per-person lock, shared by every cog
            yield

    def forget(self, message: MessageRef) -> None:
        """Drop a deleted message from the /purge candidates."""
        recent = self.recent.get(message.channel_id)
        if recent:
            recent.pop(message.id, None)

    @property
    def conf(self) -> ModerationSettings:
        """This community's moderation settings."""
        settings: ModerationSettings = self.ctx.settings
        return settings

    # -- small helpers ----------------------------------------------------------------------

    @staticmethod
    def reply(event: CommandInvoked | Any, message: str | Content, ephemeral: bool = True) -> Reply:
        """Answer the invoker."""
        return reply(event, message, ephemeral)

    async def target(self, user: UserRef, fallback: str = "") -> Target:
        """A member with the name to show."""
        return await target_of(self.ctx, user, fallback)

    def scope_of(self, user: UserRef) -> str:
        """The community's scope on the member's platform."""
        return str(self.ctx.scope(user.platform))

    def capability_refusal(self, platform: str, capability: Capability) -> str | None:
        """Why the platform can't do it, or None."""
        if self.ctx.can(platform, capability):
            return None
        return f"{platform} doesn't let Steward {capability.value} members."

    async def command_refusal(self, event: CommandInvoked, user: UserRef,
                              capability: Capability | None) -> Reply | None:
        """Role hierarchy and platform permission checks of a moderator command."""
        # bans and purges are meant for members who left too; a timeout or kick needs them here
        refusal = await self.ctx.hierarchy_refusal(event.user, user,
                                                   absent_ok=capability in (None, Capability.BAN))
        if refusal is None and capability is not None:
            refusal = self.capability_refusal(user.platform, capability)
        return None if refusal is None else self.reply(event, fmt("Can't: {why}", why=refusal))

    async def own_case(self, actor: UserRef, case: Case) -> str | None:
        """The refusal when a moderator would change a case about themselves (every path: commands,
        buttons, forms, from any of their accounts), or None."""
        if case.person_id == await self.ctx.person(actor):
            return f"Case #{case.number} is about you: another moderator must decide it."
        return None

    # -- cases ------------------------------------------------------------------------------

    async def open_case(self, target: Target, kind: str, *, reason: str, actor: Target | None = None,
                        rule: str | None = None, evidence: str | None = None, points: int = 0,
                        duration: timedelta | None = None, incident_at: datetime | None = None,
                        message: MessageRef | None = None, note: str | None = None,
                        state: str = ACTIVE, effects: Effects | None = None) -> Case:
        """Record a case (numbered per community), with the effects ``effects`` gives staged with it."""
        case, _total = await self.record_case(target, kind, reason=reason, actor=actor, rule=rule,
                                              evidence=evidence, points=points, duration=duration,
                                              incident_at=incident_at, message=message, note=note, state=state,
                                              effects=effects)
        return case

    async def record_case(self, target: Target, kind: str, *, reason: str, actor: Target | None = None,
                          rule: str | None = None, evidence: str | None = None, points: int = 0,
                          duration: timedelta | None = None, incident_at: datetime | None = None,
                          message: MessageRef | None = None, note: str | None = None,
                          state: str = ACTIVE, effects: Effects | None = None) -> tuple[Case, int]:
        """Record a case; with it, the member's active points once it is committed."""
        return await self.cases.record(target, kind, reason=reason, actor=actor, rule=rule, evidence=evidence,
                                       points=points, duration=duration, incident_at=incident_at, message=message,
                                       note=note, state=state, effects=effects)

    async def get_case(self, number: int) -> Case | None:
        """A case by number."""
        return await self.cases.by_number(number)

    async def case_by_id(self, case_id: int) -> Case | None:
        """A case by row id."""
        return await self.cases.by_id(case_id)

    async def update_case(self, case: Case, *, only_if_state: str | None = None, **values: Any) -> bool:
        """Change a case's fields."""
        return await self.cases.change(case, only_if_state=only_if_state, **values)

    def case_line(self, case: Case) -> str:
        """``#12 warn (1 pt)`` for lists."""
        extra = f" ({case.points} pt)" if case.points else ""
        if case.expires_at is not None and case.kind in ("timeout", "ban"):
            extra += f" until {self.ctx.when(case.expires_at)}"
        return f"#{case.number} {case.kind}{extra}"

    def case_content(self, case: Case, *, headline: str = "", detail: str = "",
                     excerpt_text: str | None = None) -> Content:
        """The mod-log post of a case: number, action, member, actor or rule, reason, evidence."""
        segments: list[Segment] = []
        segments.extend(fmt("{headline}Case #{n} · {kind}", headline=text(headline), n=case.number,
                            kind=text(case.kind)).segments)
        if case.points:
            segments.extend(fmt(" ({n} pt)", n=case.points).segments)
        if case.expires_at is not None and case.kind in ("timeout", "ban"):
            segments.extend(fmt(" for {span}", span=text(format_duration(case.expires_at - case.created_at))).segments)
        segments.append(" · ")
        if case.kind == "slowmode":  # a case about a channel (a channel-wide flood), not a member
            segments.append(Mention(ChannelRef(case.platform, case.user_id), case.user_id))
        else:
            segments.append(Mention(UserRef(case.platform, case.user_id), case.user_name or case.user_id))
        segments += [" · by ", UserText(case.by), "\nReason: "]  # a moderator's name: outside text
        segments.append(UserText(case.reason))
        if detail:
            segments.append(" — ")
            segments.append(UserText(detail))
        if case.channel_id and case.message_id:
            # a channel mention: a link on Slack and Discord, ``#id`` in plain text
            segments += ["\nWhere: ", Mention(ChannelRef(case.platform, case.channel_id), case.channel_id),
                         " (message ", UserText(case.message_id), ")"]
        if excerpt_text:
            segments.append("\nEvidence: > ")
            segments.append(UserText(excerpt(excerpt_text)))
        if case.note:
            segments += ["\nNote: ", UserText(case.note)]  # often a platform's error text
        return Content(tuple(segments))

    async def hold_for_summary(self, case: Case, key: str, platform: str) -> None:
        """Keep a case for the next summary of ``key`` (a channel in a wave, or ``raid``)."""
        entry = WaveEntry(case.id, case.number, case.rule or case.kind, case.user_name or case.user_id, case.user_id)
        if self.wave.add(key, entry):
            await self.ctx.schedule("wave_summary", self.ctx.now() + self.conf.wave.summary_every,
                                    {"channel": key, "platform": platform}, key=f"wave:{platform}:{key}:{case.id}")

    async def post_summary(self, channel: ChannelRef) -> None:
        """Post what a wave did in a channel since the last summary, if anything (a raid's summary:
        ``channel.id == "raid"``, is the raid guard's one post, brought up to date)."""
        if channel.id == RAID:
            await self.raid.summarise()
            return
        entries = self.wave.take(channel.id)
        if not entries:
            return
        rules, members, cases = summary_lines(entries)
        first, last = min(e.number for e in entries), max(e.number for e in entries)
        people = len({e.user_id for e in entries})
        content = fmt("🌊 Spam wave in {where}: {n} case(s), {people} member(s) since the last summary.\n"
                      "By rule: {rules}\nBy member: {members}\nCases: {cases}",
                      where=Mention(channel, channel.id), n=len(entries), people=people,
                      rules=UserText(rules), members=UserText(members), cases=cases)
        value = f"{channel.id}:{first}:{last}"
        await self.ctx.modlog(content.with_buttons(
            Button(f"Ban these {people}", self.action_id("wave_ban"), value, "danger"),
            Button("Undo these cases", self.action_id("wave_undo"), value, "secondary")))

    async def delete_now(self, message: MessageRef, reason: str, *, wave: bool) -> ActionResult:
        """Delete a message; in a wave, together with the channel's other deletes as one bulk delete."""
        if not wave or not self.ctx.can(message.platform, Capability.BULK_DELETE):
            [result] = await self.ctx.perform(DeleteMessage(message=message, reason=reason))
            return result
        channel = ChannelRef(message.platform, message.channel_id)
        deleter = self._deleters.get(channel)
        if deleter is None:
            deleter = self._deleters[channel] = Batcher(lambda refs: self._bulk_delete(channel, refs), max_batch=100,
                                                        hold=WAVE_DELETE_HOLD)
        return await deleter.submit(message)

    async def _bulk_delete(self, channel: ChannelRef, refs: list[MessageRef]) -> list[ActionResult]:
        unique = tuple(dict.fromkeys(refs))
        if len(unique) == 1:
            results = await self.ctx.perform(DeleteMessage(message=unique[0], reason="spam wave"))
        else:
            results = await self.ctx.perform(BulkDelete(channel=channel, messages=unique, reason="spam wave"))
        return [results[0]] * len(refs)

    def review_buttons(self, case: Case) -> tuple[Button, ...]:
        """Undo / Ban / Dismiss on an automatic case."""
        value = str(case.id)
        return (Button("Undo", self.action_id("undo"), value, "secondary"),
                Button("Ban", self.action_id("ban"), value, "danger"),
                Button("Dismiss", self.action_id("dismiss"), value, "secondary"))

    def can_dm(self, platform: str) -> bool:
        """Whether members get DMs from moderation here (the config allows it and the platform can)."""
        return self.conf.dm.enabled and self.ctx.can(platform, Capability.DIRECT)

    def dm_for(self, case: Case, what: str, extra: Content | None = None,
               wave: ChannelRef | None = None) -> SendDirect | None:
        """The member's DM about a case, or None (no DMs here, or they had one in this wave already)."""
        user = UserRef(case.platform, case.user_id)
        if not self.can_dm(user.platform):
            return None
        if wave is not None and self.wave.waving(wave.id, self.ctx.now()) and \
                not self.wave.dm_allowed(user.platform, user.id, self.ctx.now(), self.conf.wave.dm_every):
            return None  # one DM per member during a wave: the case file and the summary hold the rest
        body = fmt("{what} in {community} (case #{number}). Reason: {reason}\n",
                   what=what, community=self.ctx.community.name, number=case.number,
                   reason=UserText(case.reason))
        if extra is not None:
            body = Content((*body.segments, *extra.segments, "\n"))
        buttons: tuple[Button, ...] = ()
        if self.conf.appeals.enabled and case.kind in repo.PUNISHMENTS:
            names = [n for spec in self.ctx.commands() for n in (spec.name, *spec.aliases)]
            body = Content((*body.segments, *with_commands(self.conf.dm.appeal_hint, names)))
            buttons = (Button("Appeal", self.action_id("appeal"), str(case.id), "primary"),)
        return SendDirect(user=user, content=body.with_buttons(*buttons), scope=self.scope_of(user))

    def case_effects(self, case: Case, acts: list[Action], *, tell: str | None, extra: Content | None = None,
                     wave: ChannelRef | None = None, post: Content | Callable[[], Content] | None = None,
                     ask: Content | None = None, held: list[ChannelRef] | None = None) -> list[CaseEffect]:
        """What a case does on the platforms, to be staged with it (CaseFile.record's ``effects``): the
        sanction, the member's DM (before a kick or ban, else after the sanction and only if it
        happened), a correction if a ban they were told of is refused, and the mod-log ``post``
        (none when ``wave``, the channel the case came from, is in a wave now: that channel goes into
        ``held`` and, once the case is committed, the case into the wave's summary; a ``post`` given as a
        function is built only when it is posted: in a wave most cases never are)."""
        dm = self.dm_for(case, tell, extra, wave) if tell is not None else None
        user = UserRef(case.platform, case.user_id)
        dm_first = case.kind in ("kick", "ban")
        correction = SendDirect(user=user, scope=self.scope_of(user), content=fmt(
            "Correction: the {kind} in case #{n} could not be carried out.", kind=case.kind, n=case.number))
        asked = SendDirect(user=user, scope=self.scope_of(user), content=ask) \
            if ask is not None and self.can_dm(user.platform) else None
        waving = self.in_wave(wave)
        if waving is not None and held is not None:
            held.append(waving)
        if callable(post) and waving is None:
            post = post()
        return plan(acts, dm=dm, dm_first=dm_first, correction=correction, ask=asked,
                    posts=self.modlog_posts(post) if isinstance(post, Content) and waving is None else ())

    def in_wave(self, channel: ChannelRef | None) -> ChannelRef | None:
        """The channel if it is in a wave now (its cases' posts wait for the summary), else None."""
        return channel if channel is not None and self.wave.waving(channel.id, self.ctx.now()) else None

    def modlog_posts(self, content: Content) -> list[SendMessage]:
        """One mod-log post per platform the community has a mod log on."""
        posts = [SendMessage(channel=channel, content=content) for p in self.ctx.platforms()
                 if (channel := self.ctx.community.channel("modlog", p)) is not None]
        if not posts:
            self.ctx.log.warning("no mod-log channel; dropped: %s", content.plain())
        return posts

    async def refused(self, case: Case, acts: list[Action]) -> Case:
        """Once a case and its effects are committed: a sanction the platform refused at once is written
        into the case (its mod-log post says so by itself; one refused later the outbox reports)."""
        results = [await self.ctx.effect_result(effect_key(case.id, f"act{i}")) for i in range(len(acts))]
        refused = "; ".join(r.error for r in results if r is not None and not r.ok)
        if not refused:
            return case
        note = f"{case.note}; not done: {refused}" if case.note else f"not done: {refused}"
        await self.update_case(case, note=note)
        return await self.case_by_id(case.id) or case

    # -- the parts, by the names the handlers call -----------------------------------------

    async def enforce(self, target: Target, hits: list[Hit], *, source_text: str,
                      message: MessageRef | None = None, channel: ChannelRef | None = None,
                      incident_at: datetime | None = None) -> list[Action]:
        """Act on every matched rule (see :class:`~cogs.moderation.enforce.Enforcer`)."""
        return await self.enforcer.enforce(target, hits, source_text=source_text, message=message, channel=channel,
                                           incident_at=incident_at)

    async def escalate(self, target: Target, added: int, incident_at: datetime | None) -> list[Action]:
        """When new points cross a threshold, take the threshold's action as its own case."""
        return await self.enforcer.escalate(target, added, incident_at)

    async def punish(self, target: Target, spec: ActionSpec, reason: str) -> tuple[list[Action], str | None]:
        """The platform actions for one timeout/kick/ban, or a fallback note (see :class:`Sanctions`)."""
        return await self.sanctions.punish(target, spec, reason)

    async def mirror_ban(self, case: Case, *, manual: bool = False) -> list[Case]:
        """Ban the person's other linked accounts when the config mirrors this ban (see mirror.py)."""
        return await self.mirror.ban(case, manual=manual)

    async def lift(self, case: Case, *, by: str, state: str = REVOKED) -> list[Action]:
        """End a case early (undo, pardon, appeal): state change, job cancel, platform undo."""
        return await self.sanctions.lift(case, by=by, state=state)

    async def supersede_active(self, user: UserRef, kind: str, by: str) -> list[Case]:
        """Mark running timeouts or bans as superseded by a manual act and cancel their expiry jobs."""
        return await self.sanctions.supersede_active(user, kind, by)
