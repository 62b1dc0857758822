"""The case file on its own: numbered per community, points counted in the commit, changes guarded."""

from __future__ import annotations

import asyncio

from bot.testing import Harness
from cogs.moderation.casefile import CaseFile, Target
from cogs.moderation.models import ACTIVE, REVOKED


def case_file(h: Harness) -> CaseFile:
    cog = next(c for c in h.runtime.cogs_of("acme") if c.name == "moderation")
    return cog.cases


async def test_cases_recorded_together_are_numbered_in_order_with_their_points(h: Harness) -> None:
    cases = case_file(h)
    bob, ann = Target(h.user("bob"), "bob"), Target(h.user("ann"), "ann")
    for who in (bob, ann):  # known persons: each record reaches the group commit in the order it was asked
        await cases.ctx.person(who.user)
    recorded = await asyncio.gather(*(cases.record(who, "warn", reason=f"r{i}", points=1)
                                      for i, who in enumerate([bob, ann, bob, bob])))
    assert [c.number for c, _total in recorded] == [1, 2, 3, 4]
    assert [total for _c, total in recorded] == [3, 1, 3, 3]  # each caller hears the totals of its commit
    assert (await cases.by_number(2)).user_id == ann.user.id  # type: ignore[union-attr]
    assert await cases.by_number(99) is None


async def test_a_change_guarded_by_state_happens_once(h: Harness) -> None:
    cases = case_file(h)
    case, _ = await cases.record(Target(h.user("bob"), "bob"), "timeout", reason="spam")
    assert await cases.change(case, only_if_state=ACTIVE, state=REVOKED)
    assert not await cases.change(case, only_if_state=ACTIVE, state=REVOKED)  # a second press finds it undone
    assert (await cases.by_id(case.id)).state == REVOKED  # type: ignore[union-attr]
