"""Mirrored bans: a ban of a member linked across platforms reaches their other accounts too.

One community on Discord and Slack keeps one case file per person; whether a ban on one platform
also bans the person's account on the other is the admins' choice, per rule (``mirror.rules``,
which may name ``escalation``) and for moderators' bans (``mirror.moderator_bans``). Each mirrored
ban is a case of its own on its platform (so it shows, ends and is undone there), with the
platform's fallback where it cannot ban (Slack: removed from Steward's channels, admins told to
deactivate the account) and Steward's own hierarchy check (never the owner, never above Steward).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import Action
from bot.content import Content, fmt
from bot.refs import UserRef
from cogs.moderation.actions import ActionSpec
from cogs.moderation.casefile import Effects
from cogs.moderation.display import Target
from cogs.moderation.models import ACTIVE
from cogs.moderation.repository import Case

if TYPE_CHECKING:
    from cogs.moderation.base import ModerationBase


class Mirror:
    """Carries a ban over to the member's linked accounts when the config says so; works through
    the cog's casework (target, punish, open_case with its effects, refused), one case per account."""

    def __init__(self, desk: ModerationBase) -> None:
        self.desk = desk

    def mirrors(self, case: Case, *, manual: bool) -> bool:
        """Whether this ban case is one the config mirrors."""
        if case.kind != "ban":
            return False
        mirror = self.desk.conf.mirror
        if manual:
            return mirror.moderator_bans
        return bool(case.rule) and any(name.strip() in mirror.rules for name in (case.rule or "").split(","))

    def _effects(self, acts: list[Action]) -> Effects:
        """A mirrored case's effects: the ban and its mod-log post, no DM (the case mirrored told them)."""
        desk = self.desk
        return lambda c: desk.case_effects(c, acts, tell=None, post=desk.case_content(c))

    async def ban(self, case: Case, *, manual: bool = False) -> list[Case]:
        """Ban the person's other accounts, each as its own case; returns the cases opened."""
        if not self.mirrors(case, manual=manual) or case.state != ACTIVE:
            return []
        desk = self.desk
        person = await desk.ctx.person(UserRef(case.platform, case.user_id))
        others = [u for u in await desk.ctx.services.members.persons.accounts_of(person)
                  if u.platform != case.platform and u.platform in desk.ctx.platforms()]
        opened = []
        for user in others:
            target = await desk.target(user)
            reason = f"mirrors case #{case.number} on {case.platform}: {case.reason}"
            why = await desk.ctx.hierarchy_refusal(None, user, absent_ok=True)
            if why is not None:
                await desk.ctx.modlog(_not_mirrored(case, user, why))
                continue
            spec = ActionSpec("ban", duration=case.expires_at - case.created_at if case.expires_at else None)
            acts, note = await desk.punish(target, spec, reason[:400])
            mirrored = await desk.open_case(target, "ban", reason=reason[:500], rule=case.rule,
                                            actor=Target(UserRef(case.platform, case.actor_id),
                                                         case.actor_name or case.actor_id)
                                            if case.actor_id else None,
                                            duration=spec.duration, note=note,
                                            # the person was told once, by the case mirrored; this one acts
                                            # and is logged, staged with the case like every case's effects
                                            effects=self._effects(acts))
            mirrored = await desk.refused(mirrored, acts)
            opened.append(mirrored)
        return opened


def _not_mirrored(case: Case, user: UserRef, why: str) -> Content:
    return fmt("Case #{n}: the ban was not mirrored to {platform} account {who}: {why}", n=case.number,
               platform=user.platform, who=user.id, why=why)
