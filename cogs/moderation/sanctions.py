"""Sanctions: what a case does to a member on the platform — punish, lift, supersede, expire.

One collaborator of the cog with one job. It turns a configured action into platform actions
(or the documented fallback where the platform can't: a soft mute by deletes, a kick for a
ban), keeps those soft mutes, ends a case early (undo, pardon, an approved appeal) or when it
runs out (the ``expire`` job), and lets a manual act supersede a running one. It reads and
changes cases only through the case file, and tells nobody: DMs and mod-log posts are the
cog's; the one exception is the expiry's mod-log line, written in the job's own transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import (
    Action,
    BanMember,
    KickMember,
    RemoveTimeout,
    SetSlowmode,
    TimeoutMember,
    UnbanMember,
)
from bot.capabilities import Capability
from bot.content import Mention, fmt
from bot.facts import CaseClosed
from bot.job_rows import NEVER_TOO_LATE
from bot.persons import PersonId
from bot.refs import ChannelRef, UserRef
from bot.scheduler import JobRun
from cogs.moderation import repository as repo
from cogs.moderation.actions import MAX_TIMEOUT, SEVERITY, ActionSpec
from cogs.moderation.casefile import CaseFile, Target
from cogs.moderation.models import ACTIVE, EXPIRED, REVOKED, SUPERSEDED
from cogs.moderation.repository import Case

DEFAULT_TIMEOUT = timedelta(minutes=10)
TIMED = ("timeout", "ban")  # the kinds that end by themselves


class Sanctions:
    """Punishments of one community: imposed, lifted, superseded and expired, each exactly once."""

    def __init__(self, ctx: Any, cases: CaseFile) -> None:
        self.ctx = ctx
        self.cases = cases
        cases.hooks.append(self.book_expiry)  # a timed case's end is written with the case
        # platforms without timeouts: until when each member's messages are deleted instead
        self.soft_muted: dict[tuple[str, str], datetime] = {}

    # -- soft mutes ---------------------------------------------------------------------------

    async def restore(self) -> None:
        """At start (and after /reload) the soft mutes are what the case file says is running."""
        async with self.ctx.db.session() as session:
            running = await repo.all_active_timeouts(session, self.ctx.community.name, self.ctx.now())
        for case in running:
            if case.expires_at is not None and not self.ctx.can(case.platform, Capability.TIMEOUT):
                self.soft_muted[(case.platform, case.user_id)] = case.expires_at

    def muted(self, user: UserRef) -> bool:
        """Whether the member is soft-muted now (a mute that ran out is forgotten)."""
        until = self.soft_muted.get((user.platform, user.id))
        if until is None:
            return False
        if until > self.ctx.now():
            return True
        del self.soft_muted[(user.platform, user.id)]
        return False

    def mute(self, user: UserRef, until: datetime) -> None:
        """Soft-mute a member until ``until`` (a platform without timeouts)."""
        self.soft_muted[(user.platform, user.id)] = until

    # -- imposing -----------------------------------------------------------------------------

    def _scope(self, user: UserRef) -> str:
        return str(self.ctx.scope(user.platform))

    async def punish(self, target: Target, spec: ActionSpec, reason: str) -> tuple[list[Action], str | None]:
        """The platform actions for one timeout/kick/ban, or a fallback note when the platform can't."""
        if spec.kind == "timeout":
            return self._timeout(target.user, spec.duration or DEFAULT_TIMEOUT, reason)
        if spec.kind == "kick":
            if not self.ctx.can(target.user.platform, Capability.KICK):
                return [], f"{target.user.platform} can't kick members: moderators, please remove them by hand"
            return [KickMember(scope=self._scope(target.user), user=target.user, reason=reason)], None
        if spec.kind == "ban":
            return self._ban(target.user, spec, reason)
        return [], None

    def _timeout(self, user: UserRef, duration: timedelta, reason: str) -> tuple[list[Action], str | None]:
        now = self.ctx.now()
        if self.ctx.can(user.platform, Capability.TIMEOUT):
            # longer timeouts are refused where they are typed (config load, /timeout)
            return [TimeoutMember(scope=self._scope(user), user=user, until=now + min(duration, MAX_TIMEOUT),
                                  reason=reason)], None
        if not self.ctx.can(user.platform, Capability.DELETE):
            # no soft mute either (Slack without an admin token): people must act
            return [], (f"{user.platform} can't time members out and Steward can't delete their "
                        f"messages there: moderators, please keep an eye on them until the "
                        f"timeout would have ended")
        self.mute(user, now + duration)
        return [], (f"{user.platform} can't time members out: Steward deletes their messages "
                    f"until the timeout ends instead")

    def _ban(self, user: UserRef, spec: ActionSpec, reason: str) -> tuple[list[Action], str | None]:
        scope = self._scope(user)
        if self.ctx.can(user.platform, Capability.BAN):
            history = spec.delete_history if spec.delete_history is not None else self.ctx.settings.ban_delete_history
            return [BanMember(scope=scope, user=user, delete_history=history, reason=reason)], None
        if self.ctx.can(user.platform, Capability.KICK):
            # the documented fallback (Slack): out of every channel Steward is in, admins told
            return [KickMember(scope=scope, user=user, reason=reason)], (
                f"{user.platform} can't ban members: Steward removed them from its channels; "
                f"a workspace admin must deactivate the account")
        return [], f"{user.platform} can't ban members: moderators, please remove them by hand"

    async def book_expiry(self, session: AsyncSession, case: Case) -> None:
        """Temporary timeouts and bans end through a job that survives restarts, written in the case's
        own transaction (with its sanction's outbox entry): a kill anywhere leaves both or neither."""
        if case.expires_at is not None and case.kind in TIMED and case.state == ACTIVE:
            # no lateness limit: a ban must still end if Steward was down when it came due
            await self.ctx.schedule("expire", case.expires_at, {"case": case.id}, key=f"expire:{case.id}",
                                    grace=NEVER_TOO_LATE, session=session)

    # -- ending -------------------------------------------------------------------------------

    async def lift(self, case: Case, *, by: str, state: str = REVOKED) -> list[Action]:
        """End a case early (undo, pardon, appeal): state change, job cancel, and the platform's undo."""
        changed = await self.cases.change(case, only_if_state=ACTIVE, state=state, ended_at=self.ctx.now(),
                                          ended_by=by[:100])
        if not changed:
            return []
        await self.ctx.publish(CaseClosed(person=PersonId(case.person_id), number=case.number, action=case.kind,
                                          how=state))
        await self.ctx.cancel(f"expire:{case.id}")
        if case.expires_at is not None and case.expires_at <= self.ctx.now():
            return []  # it ran out already: nothing left to undo
        return self._undo(case, f"case #{case.number} lifted by {by}")

    def _undo(self, case: Case, reason: str) -> list[Action]:
        user = UserRef(case.platform, case.user_id)
        if case.kind == "timeout":
            self.soft_muted.pop((user.platform, user.id), None)
            if self.ctx.can(user.platform, Capability.TIMEOUT):
                return [RemoveTimeout(scope=self._scope(user), user=user, reason=reason)]
        elif case.kind == "slowmode" and self.ctx.can(user.platform, Capability.SLOWMODE):
            # a case about a channel: its "user" is the channel
            return [SetSlowmode(channel=ChannelRef(case.platform, case.user_id), seconds=0, reason=reason)]
        elif case.kind == "ban" and self.ctx.can(user.platform, Capability.BAN):
            return [UnbanMember(scope=self._scope(user), user=user, reason=reason)]
        return []

    async def supersede_active(self, user: UserRef, kind: str, by: str) -> list[Case]:
        """Mark running timeouts or bans as superseded by a manual act and cancel their expiry jobs."""
        person = await self.ctx.person(user)
        async with self.ctx.db.session() as session:
            cases = await repo.active_of_kind(session, self.ctx.community.name, person, kind, self.ctx.now())
        for case in cases:
            await self.cases.change(case, only_if_state=ACTIVE, state=SUPERSEDED, ended_at=self.ctx.now(),
                                    ended_by=by[:100])
            await self.ctx.cancel(f"expire:{case.id}")
        if kind == "timeout":
            self.soft_muted.pop((user.platform, user.id), None)
        return cases

    async def expire(self, run: JobRun) -> None:
        """A timeout or ban ran out: Steward lifts it (whoever imposed it), exactly once.

        The lift, the state change and the mod-log line are one transaction with the job's
        completion: the outbox sends each effect once after it commits.
        """
        case = await repo.by_id(run.session, int(run.payload["case"]))
        if case is None or case.state != ACTIVE:
            return  # revoked or superseded meanwhile: nothing to do
        user = UserRef(case.platform, case.user_id)
        for action in self._undo(case, f"case #{case.number} ended"):
            if not isinstance(action, SetSlowmode):  # only timeouts and bans expire
                await self.ctx.effect(run.session, action, key=f"{run.key}:lift")
        await repo.change(run.session, case.id, only_if_state=ACTIVE, state=EXPIRED,
                          ended_at=self.ctx.now(), ended_by="Steward")
        late = f" (late: it came due at {self.ctx.when(run.due_at)})" if run.late else ""
        await self.ctx.modlog_later(run.session, fmt(
            "Case #{n} ended: the {kind} of {member} ran out; Steward lifted it{late}.",
            n=case.number, kind=case.kind, member=Mention(user, case.user_name or user.id), late=late),
            key=f"{run.key}:modlog")

    # -- choosing -----------------------------------------------------------------------------

    @staticmethod
    def strongest(specs: list[ActionSpec]) -> str:
        """The case kind of an incident: its most severe action."""
        member_actions = [s for s in specs if s.kind in SEVERITY]
        best = max(member_actions, key=lambda s: SEVERITY[s.kind], default=None)
        return best.kind if best is not None else "alert"

    @staticmethod
    def strongest_spec(specs: list[ActionSpec], kind: str) -> ActionSpec | None:
        """The member action to take for an incident: the longest timeout, a permanent ban over a timed one."""
        if kind not in ("timeout", "kick", "ban"):
            return None
        candidates = [s for s in specs if s.kind == kind]
        if kind == "ban" and any(s.duration is None for s in candidates):
            return next(s for s in candidates if s.duration is None)
        return max(candidates, key=lambda s: s.duration or timedelta(0))
