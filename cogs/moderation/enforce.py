"""Automatic enforcement: turn rule hits into cases, platform actions, DMs and escalation."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.actions import Action, SetSlowmode
from bot.capabilities import Capability
from bot.components import Button
from bot.content import Content, Mention, UserText, fmt
from bot.durations import format_duration
from bot.refs import ChannelRef, MessageRef, UserRef
from cogs.moderation import repository as repo
from cogs.moderation.actions import SEVERITY, ActionSpec
from cogs.moderation.base import ModerationBase, Target, excerpt
from cogs.moderation.repository import Case
from cogs.moderation.rules import Hit

WHAT = {"warn": "You were warned", "timeout": "You were timed out", "kick": "You were removed",
        "ban": "You were banned", "delete": "Your message was removed", "alert": "Your message was flagged"}


class Enforcement(ModerationBase):
    """Applies the actions of matched rules and the escalation thresholds."""

    async def enforce(self, target: Target, hits: list[Hit], *, source_text: str,
                      message: MessageRef | None = None, channel: ChannelRef | None = None,
                      incident_at: datetime | None = None) -> list[Action]:
        """Act on every matched rule; returns the platform actions for the dispatcher to perform."""
        async with self.one_at_a_time(target.user):
            return await self._enforce(target, hits, source_text=source_text, message=message, channel=channel,
                                       incident_at=incident_at)

    async def _enforce(self, target: Target, hits: list[Hit], *, source_text: str, message: MessageRef | None,
                       channel: ChannelRef | None, incident_at: datetime | None) -> list[Action]:
        for hit in (h for h in hits if h.shadow):
            rule = self.conf.rules[hit.rule]
            would = ", ".join(s.describe() for s in rule.actions)
            await self.ctx.modlog(fmt("[shadow] rule {rule} would have: {would} — {who}: {detail}\n> {ex}",
                                      rule=rule.name, would=would, who=target.mention(),
                                      detail=UserText(hit.detail), ex=UserText(excerpt(source_text))))
        real = [h for h in hits if not h.shadow]
        returned: list[Action] = []
        channel_hits = [h for h in real if self.conf.rules[h.rule].channel_scoped]
        if channel_hits and channel is not None:
            returned.extend(await self.enforce_channel(channel, channel_hits, incident_at, message))
        real = [h for h in real if h not in channel_hits]
        if not real:
            return returned
        # one message is one incident, however many rules it breaks: one case named after the
        # most severe action of them all, one DM, one mod-log post, the points counted once
        rules = [self.conf.rules[h.rule] for h in real]
        specs = [s for rule in rules for s in rule.actions]
        kinds = {s.kind for s in specs}
        kind = self.strongest(specs)
        names = ", ".join(dict.fromkeys(rule.name for rule in rules))
        reason = "; ".join(dict.fromkeys(rule.why() for rule in rules))
        if len(rules) > 1 and not any(rule.reason for rule in rules):
            reason = "broke the rules " + ", ".join(f"“{rule.name}”" for rule in rules)
        notes: list[str] = []
        member_actions: list[Action] = []
        strongest = self.strongest_spec(specs, kind)
        if strongest is not None:
            # only the strongest member action: a ban makes a timeout of the same message moot
            acts, note = await self.punish(target, strongest, f"{names}: {reason}")
            member_actions.extend(acts)
            if note:
                notes.append(note)
        slow = max((s.duration for s in specs if s.kind == "slowmode" and s.duration is not None), default=None)
        if slow is not None and channel is not None:
            if self.ctx.can(channel.platform, Capability.SLOWMODE):
                returned.append(SetSlowmode(channel=channel, seconds=int(slow.total_seconds()),
                                            reason=f"rule {names}"))
            else:
                notes.append(f"{channel.platform} has no slowmode: nothing was slowed")
        points = sum(s.points for s in specs if s.kind == "warn")
        if "timeout" in kinds and not self.ctx.can(target.user.platform, Capability.TIMEOUT):
            # the documented fallback: delete + warn + a mod-log note
            kinds.add("delete")
            points = max(points, 1)
        ask: Content | None = None
        where = channel or (ChannelRef(message.platform, message.channel_id) if message is not None else None)
        waving = where is not None and self.wave.record(where.id, self.ctx.now(), cases=self.conf.wave.cases,
                                                        within=self.conf.wave.within)
        if message is not None and "delete" in kinds:
            if self.ctx.can(message.platform, Capability.DELETE):
                # at once, before the case, DM and mod-log posts: harmful text goes first
                await self.delete_now(message, f"rule {names}", wave=waving)
                self.forget(message)
            else:
                # the documented fallback (Slack without an admin token): ask the author
                ask = removal_request(message)
                notes.append(f"{message.platform} doesn't let Steward delete messages: " + (
                    "the author was asked to edit or delete it" if self.can_dm(message.platform)
                    else "moderators, please remove it by hand"))
        detail = real[0].detail
        if len(real) > 1:
            # the rule-level detail stays in the case file, not only in the mod-log post
            detail = ""
            notes.insert(0, "rules: " + "; ".join(
                f"{rule.name} — {hit.detail} ({', '.join(s.describe() for s in rule.actions)})"
                for rule, hit in zip(rules, real, strict=True)))
        duration = strongest.duration if strongest is not None and kind in ("timeout", "ban") else None
        tell = WHAT.get(kind, "A moderator was alerted") if kind in repo.PUNISHMENTS or "dm" in kinds else None
        if tell is not None and duration is not None:
            tell += f" for {format_duration(duration)}"  # the member hears what the mod log shows
        headline = "⚠ Alert: " if "alert" in kinds else ""
        held: list[ChannelRef] = []  # the channel, if its wave's summary lists the case instead of a post
        # the sanction, the DM and the mod-log post are staged with the case, in its transaction
        case, total = await self.record_case(
            target, kind, reason=reason, rule=names[:60], evidence=excerpt(source_text), points=points,
            duration=duration, incident_at=incident_at, message=message, note="; ".join(notes) or None,
            effects=lambda c: self.case_effects(
                c, member_actions, tell=tell, extra=ask, wave=where, ask=ask if tell is None else None,
                post=self.case_content(c, headline=headline, detail=detail, excerpt_text=source_text)
                .with_buttons(*self.review_buttons(c)), held=held))
        case = await self.refused(case, member_actions)
        await self.schedule_expiry(case)
        for wave in held:
            await self.hold_for_summary(case, wave.id, wave.platform)
        if points:
            returned.extend(await self.escalate(target, points, incident_at, total=total, where=where))
        return returned

    async def enforce_channel(self, channel: ChannelRef, hits: list[Hit], incident_at: datetime | None,
                              message: MessageRef | None) -> list[Action]:
        """A channel-scoped rule (a channel-wide flood) acts on the channel: a case about the channel,
        no member punished, no member buttons; its Undo lifts the slowmode."""
        rules = [self.conf.rules[h.rule] for h in hits]
        specs = [s for rule in rules for s in rule.actions]
        names = ", ".join(rule.name for rule in rules)
        slow = max((s.duration for s in specs if s.kind == "slowmode" and s.duration is not None), default=None)
        notes: list[str] = []
        acts: list[Action] = []
        if slow is not None:
            if self.ctx.can(channel.platform, Capability.SLOWMODE):
                acts.append(SetSlowmode(channel=channel, seconds=int(slow.total_seconds()), reason=f"rule {names}"))
            else:
                notes.append(f"{channel.platform} has no slowmode: nothing was slowed")
        kind = "slowmode" if acts else "alert"
        where = Target(UserRef(channel.platform, channel.id), "#" + self.ctx.channel_mention(channel).name)
        headline = "⚠ Alert: " if any(s.kind == "alert" for s in specs) else ""

        def undo(c: Case) -> tuple[Button, ...]:
            return (Button("Undo", self.action_id("undo"), str(c.id), "secondary"),) if acts else ()
        case = await self.open_case(
            where, kind, reason="; ".join(dict.fromkeys(r.why() for r in rules)), rule=names[:60],
            incident_at=incident_at, note="; ".join(notes) or None, message=message,
            effects=lambda c: self.case_effects(c, acts, tell=None, post=self.case_content(
                c, headline=headline, detail=hits[0].detail).with_buttons(*undo(c))))
        await self.refused(case, acts)
        self.tracker.channel_times.pop(channel.id, None)  # one flood is one case
        return []

    @staticmethod
    def strongest_spec(specs: list[ActionSpec], kind: str) -> ActionSpec | None:
        """The member action to take for an incident: the longest timeout, a permanent ban over a timed one."""
        if kind not in ("timeout", "kick", "ban"):
            return None
        candidates = [s for s in specs if s.kind == kind]
        if kind == "ban" and any(s.duration is None for s in candidates):
            return next(s for s in candidates if s.duration is None)
        return max(candidates, key=lambda s: s.duration or timedelta(0))

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
        acts, note = await self.punish(target, spec, reason)
        kind = spec.kind if spec.kind in ("timeout", "kick", "ban") else "alert"
        what = WHAT[kind] + (f" for {format_duration(spec.duration)}" if spec.duration else "") \
            if kind in repo.PUNISHMENTS else None
        held: list[ChannelRef] = []
        case = await self.open_case(
            target, kind, reason=reason, rule="escalation", incident_at=incident_at, note=note,
            duration=spec.duration if kind in ("timeout", "ban") else None,
            effects=lambda c: self.case_effects(c, acts, tell=what, wave=where, held=held, post=self.case_content(
                c, headline="⚠ Escalation: " if kind == "alert" else "").with_buttons(*self.review_buttons(c))))
        case = await self.refused(case, acts)
        await self.schedule_expiry(case)
        for wave in held:
            await self.hold_for_summary(case, wave.id, wave.platform)
        return []

    @staticmethod
    def describe_all(specs: list[ActionSpec]) -> list[str]:
        """``["delete", "warn 1"]``."""
        return [s.describe() for s in specs]


def removal_request(message: MessageRef) -> Content:
    """What the author is asked where Steward can't delete their message."""
    return fmt("Please edit or delete your message in {where}: Steward can't remove it on {platform}.",
               where=Mention(message.channel, message.channel_id), platform=message.platform)
