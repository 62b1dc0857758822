"""Automatic enforcement: turn rule hits into cases, platform actions, DMs and escalation.

One collaborator of the cog with one job. What one message's hits amount to is worked out first,
purely (:func:`incident`); the enforcer then carries it out through its parts — the sanctions
for the member action, the case file for the record, and the cog's desk (:class:`Desk`) for the
deletes, the DM and the mod-log post, which batch and coalesce during a wave.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.actions import Action, ActionResult, SetSlowmode
from bot.capabilities import Capability
from bot.components import Button
from bot.content import Content, Mention, UserText, fmt
from bot.durations import format_duration
from bot.refs import ChannelRef, MessageRef, UserRef
from cogs.moderation import repository as repo
from cogs.moderation.actions import SEVERITY, ActionSpec
from cogs.moderation.activity import Tracker
from cogs.moderation.casefile import CaseEffect, CaseFile
from cogs.moderation.display import Target, excerpt
from cogs.moderation.repository import Case
from cogs.moderation.rules import Hit
from cogs.moderation.sanctions import TIMED, Sanctions
from cogs.moderation.settings import ModerationSettings, Rule
from cogs.moderation.wave import WaveGuard

WHAT = {"warn": "You were warned", "timeout": "You were timed out", "kick": "You were removed",
        "ban": "You were banned", "delete": "Your message was removed", "alert": "Your message was flagged"}


class Desk(Protocol):
    """What the enforcer needs of the cog: the mod log, the member's DM, deletes, and the wave's state."""

    wave: WaveGuard
    tracker: Tracker

    def one_at_a_time(self, user: UserRef) -> contextlib.AbstractAsyncContextManager[None]: ...
    def action_id(self, name: str) -> str: ...
    def can_dm(self, platform: str) -> bool: ...
    def forget(self, message: MessageRef) -> None: ...
    def review_buttons(self, case: Case) -> tuple[Button, ...]: ...
    def case_content(self, case: Case, *, headline: str = "", detail: str = "",
                     excerpt_text: str | None = None) -> Content: ...
    async def delete_now(self, message: MessageRef, reason: str, *, wave: bool) -> ActionResult: ...
    async def mirror_ban(self, case: Case, *, manual: bool = False) -> list[Case]: ...
    def case_effects(self, case: Case, acts: list[Action], *, tell: str | None, extra: Content | None = None,
                     wave: ChannelRef | None = None, ask: Content | None = None,
                     post: Content | Callable[[], Content] | None = None,
                     held: list[ChannelRef] | None = None) -> list[CaseEffect]: ...
    async def refused(self, case: Case, acts: list[Action]) -> Case: ...
    async def hold_for_summary(self, case: Case, key: str, platform: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Incident:
    """One message's member hits worked out: one case named after the most severe action of them all."""

    hits: tuple[Hit, ...]
    rules: tuple[Rule, ...]
    kinds: frozenset[str]
    kind: str
    names: str
    reason: str
    member_action: ActionSpec | None  # only the strongest: a ban makes a timeout of the same message moot
    slowmode: timedelta | None
    points: int
    detail: str
    notes: tuple[str, ...]

    @property
    def duration(self) -> timedelta | None:
        """How long the case's sanction lasts (None: it does not end by itself)."""
        return self.member_action.duration if self.member_action is not None and self.kind in TIMED else None

    def tell(self) -> str | None:
        """What the member's DM opens with, the duration as the mod log shows it; None: no DM."""
        if self.kind not in repo.PUNISHMENTS and "dm" not in self.kinds:
            return None
        what = WHAT.get(self.kind, "A moderator was alerted")
        return what + f" for {format_duration(self.duration)}" if self.duration is not None else what


def incident(settings: ModerationSettings, hits: list[Hit], *, can_timeout: bool) -> Incident:
    """What one message's member hits amount to (pure): one message is one incident however many
    rules it breaks — one case, one DM, one mod-log post, the points counted once."""
    rules = tuple(settings.rules[h.rule] for h in hits)
    specs = [s for rule in rules for s in rule.actions]
    kinds = {s.kind for s in specs}
    kind = Sanctions.strongest(specs)
    names = ", ".join(dict.fromkeys(rule.name for rule in rules))
    reason = "; ".join(dict.fromkeys(rule.why() for rule in rules))
    if len(rules) > 1 and not any(rule.reason for rule in rules):
        reason = "broke the rules " + ", ".join(f"“{rule.name}”" for rule in rules)
    points = sum(s.points for s in specs if s.kind == "warn")
    if "timeout" in kinds and not can_timeout:
        # the documented fallback: delete + warn + a mod-log note
        kinds.add("delete")
        points = max(points, 1)
    detail = hits[0].detail
    notes: tuple[str, ...] = ()
    if len(hits) > 1:
        # the rule-level detail stays in the case file, not only in the mod-log post
        detail, notes = "", ("rules: " + "; ".join(
            f"{rule.name} — {hit.detail} ({', '.join(s.describe() for s in rule.actions)})"
            for rule, hit in zip(rules, hits, strict=True)),)
    return Incident(tuple(hits), rules, frozenset(kinds), kind, names, reason, Sanctions.strongest_spec(specs, kind),
                    slowest(specs), points, detail, notes)


def slowest(specs: list[ActionSpec]) -> timedelta | None:
    """The longest slowmode among the actions, if any."""
    return max((s.duration for s in specs if s.kind == "slowmode" and s.duration is not None), default=None)


class Enforcer:
    """Applies the actions of matched rules and the escalation thresholds."""

    def __init__(self, ctx: Any, desk: Desk, cases: CaseFile, sanctions: Sanctions) -> None:
        self.ctx = ctx
        self.desk = desk
        self.cases = cases
        self.sanctions = sanctions

    @property
    def conf(self) -> ModerationSettings:
        settings: ModerationSettings = self.ctx.settings
        return settings

    def _scope(self, user: UserRef) -> str:
        return str(self.ctx.scope(user.platform))

    async def enforce(self, target: Target, hits: list[Hit], *, source_text: str,
                      message: MessageRef | None = None, channel: ChannelRef | None = None,
                      incident_at: datetime | None = None) -> list[Action]:
        """Act on every matched rule; returns the platform actions for the dispatcher to perform."""
        async with self.desk.one_at_a_time(target.user):
            await self._shadow(target, [h for h in hits if h.shadow], source_text)
            real = [h for h in hits if not h.shadow]
            channel_hits = [h for h in real if self.conf.rules[h.rule].channel_scoped]
            returned: list[Action] = []
            if channel_hits and channel is not None:
                await self.enforce_channel(channel, channel_hits, incident_at, message)
            member_hits = [h for h in real if h not in channel_hits]
            if member_hits:
                returned += await self._member(target, incident(self.conf, member_hits, can_timeout=self.ctx.can(
                    target.user.platform, Capability.TIMEOUT)), source_text, message, channel, incident_at)
            return returned

    async def _shadow(self, target: Target, hits: list[Hit], source_text: str) -> None:
        """A shadow rule only says in the mod log what it would have done."""
        for hit in hits:
            rule = self.conf.rules[hit.rule]
            would = ", ".join(s.describe() for s in rule.actions)
            await self.ctx.modlog(fmt("[shadow] rule {rule} would have: {would} — {who}: {detail}\n> {ex}",
                                      rule=rule.name, would=would, who=target.mention(),
                                      detail=UserText(hit.detail), ex=UserText(excerpt(source_text))))

    async def _member(self, target: Target, what: Incident, source_text: str, message: MessageRef | None,
                      channel: ChannelRef | None, incident_at: datetime | None) -> list[Action]:
        """One incident of a member: sanction, slowmode, delete, case, DM, mod log, escalation."""
        notes: list[str] = list(what.notes)
        member_actions: list[Action] = []
        if what.member_action is not None:
            acts, note = await self.sanctions.punish(target, what.member_action, f"{what.names}: {what.reason}")
            member_actions.extend(acts)
            notes += [note] if note else []
        returned = self._slow(channel, what.slowmode, what.names, notes)
        where = channel or (ChannelRef(message.platform, message.channel_id) if message is not None else None)
        waving = where is not None and self.desk.wave.record(where.id, self.ctx.now(), cases=self.conf.wave.cases,
                                                             within=self.conf.wave.within)
        ask = await self._remove(message, what.names, notes, waving=waving) if "delete" in what.kinds else None
        tell = what.tell()
        headline = "⚠ Alert: " if "alert" in what.kinds else ""
        held: list[ChannelRef] = []  # the channel, if its wave's summary lists the case instead of a post
        desk = self.desk
        # the sanction, the DM and the mod-log post are staged with the case, in its transaction
        case, total = await self.cases.record(
            target, what.kind, reason=what.reason, rule=what.names[:60], evidence=excerpt(source_text),
            points=what.points, duration=what.duration, incident_at=incident_at, message=message,
            note="; ".join(notes) or None,
            effects=lambda c: desk.case_effects(
                c, member_actions, tell=tell, extra=ask, wave=where, ask=ask if tell is None else None,
                post=lambda: desk.case_content(c, headline=headline, detail=what.detail, excerpt_text=source_text)
                .with_buttons(*desk.review_buttons(c)), held=held))
        case = await desk.refused(case, member_actions)
        await desk.mirror_ban(case)
        for wave in held:
            await desk.hold_for_summary(case, wave.id, wave.platform)
        if what.points:
            returned += await self.escalate(target, what.points, incident_at, total=total, where=where)
        return returned

    def _slow(self, channel: ChannelRef | None, slow: timedelta | None, names: str, notes: list[str]) -> list[Action]:
        if slow is None or channel is None:
            return []
        if not self.ctx.can(channel.platform, Capability.SLOWMODE):
            notes.append(f"{channel.platform} has no slowmode: nothing was slowed")
            return []
        return [SetSlowmode(channel=channel, seconds=int(slow.total_seconds()), reason=f"rule {names}")]

    async def _remove(self, message: MessageRef | None, names: str, notes: list[str], *,
                      waving: bool) -> Content | None:
        """Delete the message at once, before the case, DM and mod-log posts (harmful text goes first);
        where Steward can't, the request to its author (None when there is nothing to ask)."""
        if message is None:
            return None
        if self.ctx.can(message.platform, Capability.DELETE):
            await self.desk.delete_now(message, f"rule {names}", wave=waving)
            self.desk.forget(message)
            return None
        # the documented fallback (Slack without an admin token): ask the author
        notes.append(f"{message.platform} doesn't let Steward delete messages: " + (
            "the author was asked to edit or delete it" if self.desk.can_dm(message.platform)
            else "moderators, please remove it by hand"))
        return removal_request(message)

    async def enforce_channel(self, channel: ChannelRef, hits: list[Hit], incident_at: datetime | None,
                              message: MessageRef | None) -> list[Action]:
        """A channel-scoped rule (a channel-wide flood) acts on the channel: a case about the channel,
        no member punished, no member buttons; its Undo lifts the slowmode."""
        rules = [self.conf.rules[h.rule] for h in hits]
        specs = [s for rule in rules for s in rule.actions]
        names = ", ".join(rule.name for rule in rules)
        notes: list[str] = []
        acts = self._slow(channel, slowest(specs), names, notes)
        where = Target(UserRef(channel.platform, channel.id), "#" + self.ctx.channel_mention(channel).name)
        headline = "⚠ Alert: " if any(s.kind == "alert" for s in specs) else ""
        desk = self.desk

        def undo(c: Case) -> tuple[Button, ...]:
            return (Button("Undo", desk.action_id("undo"), str(c.id), "secondary"),) if acts else ()
        case, _points = await self.cases.record(
            where, "slowmode" if acts else "alert", reason="; ".join(dict.fromkeys(r.why() for r in rules)),
            rule=names[:60], incident_at=incident_at, note="; ".join(notes) or None, message=message,
            effects=lambda c: desk.case_effects(c, acts, tell=None, post=desk.case_content(
                c, headline=headline, detail=hits[0].detail).with_buttons(*undo(c))))
        await desk.refused(case, acts)
        self.desk.tracker.channel_times.pop(channel.id, None)  # one flood is one case
        return []

    async def escalate(self, target: Target, added: int, incident_at: datetime | None, *,
                       total: int | None = None, where: ChannelRef | None = None) -> list[Action]:
        """When new points cross a threshold, take the threshold's action as its own case."""
        thresholds = self.conf.escalation.thresholds
        if not thresholds:
            return []
        if total is None:
            person = await self.ctx.person(target.user)
            async with self.ctx.db.session() as session, session.begin():
                total = await repo.active_points(session, self.ctx.community.name, person, self.ctx.now())
        before = total - added
        crossed = [(p, a) for p, a in thresholds.items() if before < p <= total]
        if not crossed:
            return []
        points, spec = max(crossed, key=lambda pa: (SEVERITY.get(pa[1].kind, 0), pa[0]))
        reason = f"reached {total} warning points (threshold {points}: {spec.describe()})"
        acts, note = await self.sanctions.punish(target, spec, reason)
        kind = spec.kind if spec.kind in ("timeout", "kick", "ban") else "alert"
        what = WHAT[kind] + (f" for {format_duration(spec.duration)}" if spec.duration else "") \
            if kind in repo.PUNISHMENTS else None
        held: list[ChannelRef] = []
        desk = self.desk
        case, _points = await self.cases.record(
            target, kind, reason=reason, rule="escalation", duration=spec.duration if kind in TIMED else None,
            incident_at=incident_at, note=note,
            effects=lambda c: desk.case_effects(
                c, acts, tell=what, wave=where, held=held, post=lambda: desk.case_content(
                    c, headline="⚠ Escalation: " if kind == "alert" else "").with_buttons(*desk.review_buttons(c))))
        case = await desk.refused(case, acts)
        await desk.mirror_ban(case)
        for wave in held:
            await desk.hold_for_summary(case, wave.id, wave.platform)
        return []


def removal_request(message: MessageRef) -> Content:
    """What the author is asked where Steward can't delete their message."""
    return fmt("Please edit or delete your message in {where}: Steward can't remove it on {platform}.",
               where=Mention(message.channel, message.channel_id), platform=message.platform)

