"""Mod-log buttons (Undo / Ban / Dismiss) and the expiry of temporary punishments."""

from __future__ import annotations

from bot.actions import Action, RemoveTimeout, UnbanMember
from bot.capabilities import Capability
from bot.cog import button, job
from bot.content import Mention, fmt
from bot.events import ButtonPressed
from bot.permissions import Level
from bot.refs import UserRef
from bot.scheduler import JobRun
from cogs.moderation import repository as repo
from cogs.moderation.actions import ActionSpec
from cogs.moderation.enforce import Enforcement
from cogs.moderation.models import ACTIVE, EXPIRED


class Review(Enforcement):
    """What moderators do from a mod-log post, and what Steward does when a punishment runs out."""

    async def _pressed_case(self, event: ButtonPressed) -> tuple[repo.Case | None, Action | None]:
        case = await self.case_by_id(int(event.value)) if event.value.isdigit() else None
        if case is None or case.community != self.ctx.community.name:
            return None, self.reply(event, "That case no longer exists.")
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
        user = UserRef(case.platform, case.user_id)
        why = (await self.ctx.hierarchy_refusal(event.user, user, absent_ok=True)
               or self.capability_refusal(user.platform, Capability.BAN))
        if why:
            return [self.reply(event, fmt("Can't: {why}", why=why))]
        actor, target = await self.target(event.user), await self.target(user, case.user_name)
        acts, note = await self.punish(target, ActionSpec("ban"), f"{actor.name}: from case #{case.number}")
        ban = await self.open_case(target, "ban", reason=f"{case.reason} (from case #{case.number})",
                                   actor=actor, evidence=case.evidence, incident_at=case.created_at, note=note)
        await self.notify(ban, "You were banned")
        await self.post_case(ban, self.case_content(ban, excerpt_text=ban.evidence))
        return [*acts, self.reply(event, fmt("Case #{n}: banned {who}.", n=ban.number, who=target.name))]

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

    @job("expire")
    async def expire(self, run: JobRun) -> None:
        """A timeout or ban ran out: Steward lifts it (whoever imposed it), exactly once."""
        case = await repo.by_id(run.session, int(run.payload["case"]))
        if case is None or case.state != ACTIVE:
            return  # revoked or superseded meanwhile: nothing to do
        user = UserRef(case.platform, case.user_id)
        scope = self.scope_of(user)
        if case.kind == "timeout":
            self.soft_muted.pop((user.platform, user.id), None)
            if self.ctx.can(user.platform, Capability.TIMEOUT):
                await self.ctx.perform(RemoveTimeout(scope=scope, user=user, reason=f"case #{case.number} ended"))
        elif case.kind == "ban" and self.ctx.can(user.platform, Capability.BAN):
            await self.ctx.perform(UnbanMember(scope=scope, user=user, reason=f"case #{case.number} ended"))
        # the state change commits with the job's completion: a second run finds it expired
        await repo.change(run.session, case.id, only_if_state=ACTIVE, state=EXPIRED,
                          ended_at=self.ctx.now(), ended_by="Steward")
        late = f" (late: it came due at {self.ctx.when(run.due_at)})" if run.late else ""
        await self.ctx.modlog(fmt("Case #{n} ended: the {kind} of {member} ran out; Steward lifted it{late}.",
                                  n=case.number, kind=case.kind,
                                  member=Mention(user, case.user_name or user.id), late=late))
