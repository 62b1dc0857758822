"""The case file: moderation's record of what happened, numbered per community.

One collaborator of the cog with one job: cases are written through one group commit (a wave's
cases share transactions, each caller answered once its batch is committed, so nothing says a
case exists before it does), read by number or id, and changed. It knows nothing of platforms,
DMs or the mod log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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


class CaseFile:
    """Opens, reads and changes the cases of one community."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.writer: Batcher[dict[str, Any], tuple[Case, int]] = Batcher(self._write)

    async def record(self, target: Target, kind: str, *, reason: str, actor: Target | None = None,
                     rule: str | None = None, evidence: str | None = None, points: int = 0,
                     duration: timedelta | None = None, incident_at: datetime | None = None,
                     message: MessageRef | None = None, note: str | None = None,
                     state: str = ACTIVE) -> tuple[Case, int]:
        """Record a case; with it, the member's active points once it is committed."""
        now = self.ctx.now()
        expires = None
        if kind == "warn" and points:
            expires = now + self.ctx.settings.escalation.expire_after
        elif duration is not None:
            expires = now + duration
        person = await self.ctx.person(target.user)  # before the group commit: SQLite has one writer
        moderator = await self.ctx.person(actor.user) if actor is not None else None
        case, total = await self.writer.submit(dict(
            person_id=person, platform=target.user.platform, user_id=target.user.id, user_name=target.name[:100],
            kind=kind, actor_id=actor.user.id if actor else None, actor_name=actor.name[:100] if actor else None,
            rule=rule, reason=reason, evidence=evidence, points=points, state=state, created_at=now,
            incident_at=incident_at, expires_at=expires,
            channel_id=message.channel_id if message else None, message_id=message.id if message else None,
            note=note))
        await self.ctx.publish(CaseOpened(person=person, number=case.number, action=kind, points=points, rule=rule,
                                          automatic=actor is None, moderator=moderator, incident_at=incident_at))
        return case, total

    async def _write(self, rows: list[dict[str, Any]]) -> list[tuple[Case, int]]:
        community = self.ctx.community.name
        async with self.ctx.db.session() as session, session.begin():
            cases = await repo.open_cases(session, community, rows)
            counted = {c.person_id for c in cases if c.points}
            totals = await repo.points_of(session, community, counted, self.ctx.now())
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
