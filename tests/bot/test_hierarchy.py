"""Random role ladders × levels × actions: a lower level never acts on a higher one, whatever the
role order; missing member info refuses unless the action is meant for absent members."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import BanMember, KickMember, TimeoutMember
from bot.permissions import Level, hierarchy_refusal
from bot.refs import MemberInfo, UserRef
from bot.testing import Harness
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG

levels = st.sampled_from(list(Level))


def member(name: str, rank: int, owner: bool = False) -> MemberInfo:
    return MemberInfo(user=UserRef("p", name), name=name, rank=rank, is_owner=owner)


@settings(max_examples=2000, deadline=None)
@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), levels, levels, st.booleans(), st.booleans(),
       st.sampled_from(["present", "target left", "actor unknown", "steward unknown", "self", "steward"]),
       st.booleans())
def test_allowed_only_when_level_and_roles_allow(actor_rank: int, target_rank: int, bot_rank: int,
                                                 actor_level: Level, target_level: Level, actor_owner: bool,
                                                 target_owner: bool, case: str, absent_ok: bool) -> None:
    actor, bot = member("actor", actor_rank, actor_owner), member("steward", bot_rank)
    target: MemberInfo | None = member("target", target_rank, target_owner)
    if case == "self":
        target = actor
    elif case == "steward":
        target = bot
    refusal = hierarchy_refusal(None if case == "actor unknown" else actor,
                                None if case == "target left" else target,
                                None if case == "steward unknown" else bot,
                                actor_level=actor_level, target_level=target_level, absent_ok=absent_ok)
    if case in ("actor unknown", "steward unknown", "self", "steward"):
        assert refusal is not None
    elif case == "target left":
        assert (refusal is None) == absent_ok
    elif refusal is None:  # allowed: everything that must hold did
        assert target is not None and not target.is_owner and bot.rank > target.rank
        assert actor.is_owner or (actor_level >= target_level and actor.rank > target.rank)
    else:
        assert (target is not None and target.is_owner) or bot.rank <= target_rank or (
            not actor.is_owner and (actor_level < target_level or actor.rank <= target.rank))


async def ladders(db_url: str, ranks: list[tuple[int, int]]) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        h.add_member("mo", "Moderators", rank=10)
        h.add_member("boss", "Admins", rank=20)
        for mod_rank, admin_rank in ranks:
            h.adapter.members["mo"].rank, h.adapter.members["boss"].rank = mod_rank, admin_rank
            # (a /note only writes the case file, so it is not an action on the member)
            for line in ("/warn @boss x", "/timeout @boss 10m x", "/kick @boss x", "/ban @boss x", "/purge 5 @boss"):
                done = await h.command("mo", line)
                assert not any(isinstance(a, (TimeoutMember, KickMember, BanMember)) for a in done), (line, done)
                assert any("an admin; a moderator can't act" in t for t in (a.content.plain() for a in done
                                                                              if hasattr(a, "content"))), line
        # a target who left: a ban is still possible (they may come back), a timeout is not
        h.add_member("gone")
        h.adapter.members["gone"].present = False
        assert any(isinstance(a, BanMember) for a in await h.command("mo", "/ban @gone spam"))
        assert not any(isinstance(a, TimeoutMember) for a in await h.command("mo", "/timeout @gone 10m x"))
    finally:
        await h.close()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=5))
def test_a_moderator_never_acts_on_an_admin_whatever_the_role_order(ranks: list[tuple[int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(ladders(f"sqlite+aiosqlite:///{Path(tmp) / 'steward.db'}", ranks))
