"""Mod-log buttons (Undo / Ban / Dismiss, a wave's Ban these / Undo these) and the jobs behind posts:
the wave summary, and the expiry of temporary punishments (the sanctions' job)."""

from __future__ import annotations

from bot.actions import Action
from bot.capabilities import Capability
from bot.cog import button, job
from bot.content import Content, UserText, fmt, text
from bot.events import ButtonPressed
from bot.permissions import Level
from bot.refs import ChannelRef, UserRef
from bot.scheduler import JobRun
from cogs.moderation import repository as repo
from cogs.moderation.actions import ActionSpec
from cogs.moderation.base import ModerationBase
from cogs.moderation.casefile import Effects
from cogs.moderation.models import ACTIVE
from cogs.moderation.wave import RAID


class Review(ModerationBase):
    """What moderators do from a mod-log post, and what Steward does when a punishment runs out."""

    async def _pressed_case(self, event: ButtonPressed) -> tuple[repo.Case | None, Action | None]:
        case = await self.case_by_id(int(event.value)) if event.value.isdigit() else None
        if case is None or case.community != self.ctx.community.name:
            return None, self.reply(event, "That case no longer exists.")
        mine = await self.own_case(event.user, case)
        if mine is not None:
            return None, self.reply(event, mine)
        return case, None

    @button("undo", level=Level.MODERATOR)
    async def undo(self, event: ButtonPressed) -> list[Action]:
        """Revoke an automatic case: points stop counting, a timeout or ban is lifted."""
        case, refusal = await self._pressed_case(event)
        if case is None:
            return [refusal] if refusal else []
        if case.state != ACTIVE:
            return [self.reply(event, fmt("Case #{n} is already {s}.", n=case.number, s=case.state))]
        actor = await self.target(event.user)
        actions = await self.lift(case, by=actor.name)
        await self.ctx.modlog(fmt("Case #{n} undone by {who}.", n=case.number, who=actor.mention()))
        return [*actions, self.reply(event, fmt("Case #{n} undone.", n=case.number))]

    @button("ban", level=Level.MODERATOR)
    async def ban_button(self, event: ButtonPressed) -> list[Action]:
        """Ban the member of an automatic case (with the usual hierarchy and permission checks)."""
        case, refusal = await self._pressed_case(event)
        if case is None:
            return [refusal] if refusal else []
        if case.state != ACTIVE:
            return [self.reply(event, fmt("Case #{n} is {s}: there is nothing to ban for.", n=case.number,
                                          s=case.state))]
        user = UserRef(case.platform, case.user_id)
        async with self.ctx.db.session() as session:
            running = await repo.active_of_kind(session, self.ctx.community.name, case.person_id, "ban",
                                                self.ctx.now())
        if running:  # a second press, or another moderator was quicker: one ban, one DM
            return [self.reply(event, fmt("{who} is already banned (case #{n}).", who=case.user_name or user.id,
                                          n=running[0].number))]
        why = (await self.ctx.hierarchy_refusal(event.user, user, absent_ok=True)
               or self.capability_refusal(user.platform, Capability.BAN))
        if why:
            return [self.reply(event, fmt("Can't: {why}", why=why))]
        actor, target = await self.target(event.user), await self.target(user, case.user_name)
        acts, note = await self.punish(target, ActionSpec("ban"), f"{actor.name}: from case #{case.number}")
        # the ban, its DM (first: afterwards the member can't be reached) and its mod-log post are
        # staged with the case, in its transaction: a crash leaves all of them or none, each sent once
        ban = await self.open_case(target, "ban", reason=f"{case.reason} (from case #{case.number})",
                                   actor=actor, evidence=case.evidence, incident_at=case.created_at, note=note,
                                   effects=lambda c: self.case_effects(
                                       c, acts, tell="You were banned",
                                       post=self.case_content(c, excerpt_text=c.evidence)))
        ban = await self.refused(ban, acts)
        await self.mirror_ban(ban, manual=True)
        said = fmt(" Note: {x}", x=ban.note) if ban.note else ""
        return [self.reply(event, fmt("Case #{n}: banned {who}.{said}", n=ban.number, who=target.name, said=said))]

    @button("dismiss", level=Level.MODERATOR)
    async def dismiss(self, event: ButtonPressed) -> Action | None:
        """Mark an alert as reviewed; the case stays as it is."""
        case, refusal = await self._pressed_case(event)
        if case is None:
            return refusal
        actor = await self.target(event.user)
        await self.update_case(case, note=((case.note + "; ") if case.note else "") + f"reviewed by {actor.name}")
        await self.ctx.modlog(fmt("Case #{n} reviewed and dismissed by {who}.", n=case.number, who=actor.mention()))
        return self.reply(event, fmt("Case #{n} dismissed.", n=case.number))

    @job("wave_summary")
    async def wave_summary(self, run: JobRun) -> None:
        """Post what a wave did in one channel since the last summary: one post instead of one per case."""
        await self.post_summary(ChannelRef(str(run.payload["platform"]), str(run.payload["channel"])))

    async def _wave_cases(self, event: ButtonPressed) -> tuple[list[repo.Case], Action | None]:
        channel, _, span = event.value.rpartition(":")
        channel, _, first = channel.rpartition(":")
        if not (first.isdigit() and span.isdigit()):
            return [], self.reply(event, "That summary no longer matches any cases.")
        presser = await self.ctx.person(event.user)
        async with self.ctx.db.session() as session:
            cases = await repo.in_range(session, self.ctx.community.name, int(first), int(span))
        # the wave's own automatic cases: not a moderator's, not another channel's, none about the presser
        return [c for c in cases if (c.rule == RAID if channel == RAID else c.channel_id == channel)
                and c.actor_id is None and c.state == ACTIVE and c.person_id != presser], None

    def _told_banned(self, acts: list[Action]) -> Effects:
        """A wave ban's effects: the ban and its DM (the wave's one mod-log post says the rest)."""
        return lambda c: self.case_effects(c, acts, tell="You were banned")

    @button("wave_ban", level=Level.MODERATOR)
    async def wave_ban(self, event: ButtonPressed) -> list[Action]:
        """Ban every member of a wave summary who is not banned yet (each with its own case)."""
        cases, refusal = await self._wave_cases(event)
        if refusal is not None:
            return [refusal]
        actor = await self.target(event.user)
        banned: list[str] = []
        skipped: list[str] = []
        for case in {c.person_id: c for c in cases}.values():  # one ban per person, whatever their accounts
            user = UserRef(case.platform, case.user_id)
            target = await self.target(user, case.user_name)
            async with self.ctx.db.session() as session:
                running = await repo.active_of_kind(session, self.ctx.community.name, case.person_id, "ban",
                                                    self.ctx.now())
            why = (await self.ctx.hierarchy_refusal(event.user, user, absent_ok=True)
                   or self.capability_refusal(user.platform, Capability.BAN))
            if running or why:
                skipped.append(target.name)
                continue
            acts, note = await self.punish(target, ActionSpec("ban"), f"{actor.name}: spam wave")
            # staged with the case like every case's effects (the wave's one mod-log post comes after)
            ban = await self.open_case(target, "ban", reason=f"{case.reason} (spam wave, case #{case.number})",
                                       actor=actor, evidence=case.evidence, incident_at=case.created_at, note=note,
                                       effects=self._told_banned(acts))
            await self.refused(ban, acts)
            banned.append(target.name)
        if banned:
            await self.ctx.modlog(fmt("{who} banned {n} member(s) of a spam wave: {names}.", who=actor.mention(),
                                      n=len(banned), names=UserText(", ".join(banned))))
        answer = fmt("Banned {n} member(s).", n=len(banned)) if banned else text("Nobody left to ban from that wave.")
        if skipped:
            answer = Content((*answer.segments, *fmt(" Not banned (already banned, or above you): {names}.",
                                                     names=", ".join(skipped)).segments))
        return [self.reply(event, answer)]

    @button("wave_undo", level=Level.MODERATOR)
    async def wave_undo(self, event: ButtonPressed) -> list[Action]:
        """Revoke every case of a wave summary that is still active (a false alarm)."""
        cases, refusal = await self._wave_cases(event)
        if refusal is not None:
            return [refusal]
        actor = await self.target(event.user)
        actions: list[Action] = []
        undone = 0
        for case in cases:
            lifted = await self.lift(case, by=actor.name)
            actions.extend(lifted)
            undone += 1
        if not undone:
            return [self.reply(event, "Those cases are already undone or ended.")]
        await self.ctx.modlog(fmt("{who} undid {n} case(s) of a spam wave.", who=actor.mention(), n=undone))
        return [*actions, self.reply(event, fmt("Undid {n} case(s).", n=undone))]

    @job("expire")
    async def expire(self, run: JobRun) -> None:
        """A timeout or ban ran out: Steward lifts it (whoever imposed it), exactly once."""
        await self.sanctions.expire(run)
