"""The case file: moderation's record of what happened, numbered per community.

One collaborator of the cog with one job: cases are written through one group commit (a wave's
cases share transactions, each caller answered once its batch is committed, so nothing says a
case exists before it does), read by number or id, and changed. It knows nothing of platforms,
DMs or the mod log, but a case's effects on them (its DM, sanction, mod-log post: ``effects``,
worked out from the case once it has its number) are staged in the outbox in the transaction
that writes the case, one ``ctx.effect`` each under the key ``case:<id>:<name>``: a crash before
that commit leaves neither, and after it both, each sent once. So is what its ``hooks`` write (a
tempban's end, booked with the ban): no crash leaves a ban without its end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action
from bot.facts import CaseOpened
from bot.refs import MessageRef, UserRef
from cogs.moderation import repository as repo
from cogs.moderation.batching import Batcher
from cogs.moderation.models import ACTIVE
from cogs.moderation.repository import Case


@dataclass(frozen=True, slots=True)
class Target:
    """Who a case is about, as shown in the mod log."""

    user: UserRef
    name: str


@dataclass(frozen=True, slots=True)
class CaseEffect:
    """One effect of a case, staged with it: ``after`` names another effect of the same case it
    follows and ``if_not`` what it does when that one was not carried out (bot.outbox.chain)."""

    name: str
    action: Action
    after: str | None = None
    if_not: str | None = None


Effects = Callable[[Case], list[CaseEffect]]
# what else is written with every case, in its transaction (the sanctions book a tempban's end)
WriteHook = Callable[[AsyncSession, Case], Awaitable[None]]


def effect_key(case_id: int, name: str) -> str:
    """The outbox key of one effect of a case (``ctx.effect_result`` reads its answer by it)."""
    return f"case:{case_id}:{name}"


class CaseFile:
    """Opens, reads and changes the cases of one community."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        # a wave's cases gather into few transactions (each caller answered once its batch is committed)
        self.writer: Batcher[tuple[dict[str, Any], Effects | None], tuple[Case, int]] = Batcher(
            self._write, gather=True)
        self.hooks: list[WriteHook] = []  # each called for each case written, in the case's transaction
        on_delivered = getattr(ctx, "on_delivered", None)
        if on_delivered is not None:
            on_delivered("case:", self._landed)

    async def _landed(self, key: str, message: MessageRef) -> None:
        """A case's mod-log post was delivered: the case remembers where (its first platform's), so
        /reason can edit it."""
        _, case_id, name = key.split(":", 2)
        if name == f"modlog:{message.platform}" and case_id.isdigit():
            async with self.ctx.db.session() as session, session.begin():
                await repo.set_modlog(session, int(case_id), message.platform, message.channel_id, message.id)

    async def modlog_post(self, case: Case, platform: str) -> MessageRef | None:
        """Where the case's mod-log post on ``platform`` is: as recorded, or as the outbox delivered it."""
        if case.modlog_channel and case.modlog_message and case.platform == platform:
            return MessageRef(platform, case.modlog_channel, case.modlog_message)
        found: MessageRef | None = await self.ctx.delivered(effect_key(case.id, f"modlog:{platform}"))
        return found

    async def record(self, target: Target, kind: str, *, reason: str, actor: Target | None = None,
                     rule: str | None = None, evidence: str | None = None, points: int = 0,
                     duration: timedelta | None = None, incident_at: datetime | None = None,
                     message: MessageRef | None = None, note: str | None = None,
                     state: str = ACTIVE, effects: Effects | None = None) -> tuple[Case, int]:
        """Record a case; with it, the member's active points once it is committed. ``effects`` gives
        the case's effects on the platforms, staged in the same transaction."""
        now = self.ctx.now()
        expires = None
        if kind == "warn" and points:
            expires = now + self.ctx.settings.escalation.expire_after
        elif duration is not None:
            expires = now + duration
        person = await self.ctx.person(target.user)  # before the group commit: SQLite has one writer
        moderator = await self.ctx.person(actor.user) if actor is not None else None
        if effects is not None:  # what staging a DM reads (their DM setting), read before the commit holds the writer
            await self.ctx.preferences(person)
        case, total = await self.writer.submit((dict(
            person_id=person, platform=target.user.platform, user_id=target.user.id, user_name=target.name[:100],
            kind=kind, actor_id=actor.user.id if actor else None, actor_name=actor.name[:100] if actor else None,
            rule=rule, reason=reason, evidence=evidence, points=points, state=state, created_at=now,
            incident_at=incident_at, expires_at=expires,
            channel_id=message.channel_id if message else None, message_id=message.id if message else None,
            note=note), effects))
        await self.ctx.publish(CaseOpened(person=person, number=case.number, action=kind, points=points, rule=rule,
                                          automatic=actor is None, moderator=moderator, incident_at=incident_at))
        return case, total

    async def _write(self, items: list[tuple[dict[str, Any], Effects | None]]) -> list[tuple[Case, int]]:
        community = self.ctx.community.name
        async with self.ctx.db.session() as session, session.begin():
            cases = await repo.open_cases(session, community, [row for row, _ in items])
            counted = {c.person_id for c in cases if c.points}
            totals = await repo.points_of(session, community, counted, self.ctx.now())
            async with self.ctx.effects_together(session):  # the batch's effects in one statement
                for case, (_row, effects) in zip(cases, items, strict=True):
                    for effect in effects(case) if effects is not None else ():
                        await self.ctx.effect(session, effect.action, key=effect_key(case.id, effect.name),
                                              after=effect.after and effect_key(case.id, effect.after),
                                              if_not=effect.if_not)
                    for hook in self.hooks:
                        await hook(session, case)
        return [(c, totals.get(c.person_id, 0)) for c in cases]

    async def by_number(self, number: int) -> Case | None:
        """A case by number."""
        async with self.ctx.db.session() as session:
            return await repo.by_number(session, self.ctx.community.name, number)

    async def by_id(self, case_id: int) -> Case | None:
        """A case by row id."""
        async with self.ctx.db.session() as session:
            return await repo.by_id(session, case_id)

    async def change(self, case: Case, *, only_if_state: str | None = None, **values: Any) -> bool:
        """Change a case's fields (only while it is in ``only_if_state``, when given)."""
        async with self.ctx.db.session() as session, session.begin():
            return await repo.change(session, case.id, only_if_state=only_if_state, **values)
