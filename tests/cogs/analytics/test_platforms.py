"""Active members across Discord and Slack: a linked person counted once, with a per-platform breakdown.

Hand-computed fixture (Monday 5 January 2026): alice holds a Discord and a Slack account, linked, and
posts on both; bob posts on Discord only; carol on Slack only; dan holds accounts on both, never
linked (two persons), and posts on Slack only; erin posts on Discord and then is forgotten (her
counts stay, with no person). Active people: alice, bob, carol, Slack's dan = 4, 1 of them linked.
Per platform (each under the platforms they hold an account on): Discord alice, bob = 2; Slack
alice, carol, dan = 3. 2 + 3 = 5 = 4 people + 1 linked person counted twice.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.testing import Harness, texts
from cogs.analytics import COG
from cogs.analytics.period import window
from cogs.analytics.platforms import PlatformSplit, active_by_platform, split
from cogs.identity import COG as IDENTITY
from tests.cogs.analytics.conftest import CONFIG, START, at, cog


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG + "    identity: {}\n", db_url=db_url,
                                  cogs={"analytics": COG, "identity": IDENTITY}, platforms=("discord", "slack"),
                                  now=START)
    for platform in ("discord", "slack"):
        harness.add_member("mo", "Moderators", rank=10, platform=platform)
    yield harness
    await harness.close()


async def fixture(h: Harness) -> None:
    [answer] = texts(await h.command("alice", "/link", platform="discord"))
    code = re.search(r"code is ([A-Z0-9]{3}-[A-Z0-9]{3})", answer)
    assert code, answer
    await h.command("alice", f"/link {code.group(1)}", platform="slack")
    await h.advance(seconds=(at(1, 9) - h.clock.now()).total_seconds())
    await h.post("alice", "hello from discord", platform="discord")
    await h.post("alice", "hello from slack", platform="slack")
    await h.post("bob", "hi", platform="discord")
    await h.post("carol", "hi", platform="slack")
    await h.post("dan", "hi", platform="slack")
    await h.runtime.members.persons.get("acme", h.user("dan", "discord"))  # Discord's dan: a person, silent
    await h.post("erin", "bye", platform="discord")
    h.add_member("root", "Admins", rank=30, platform="discord")
    [erased] = texts(await h.command("root", "/forget erin", platform="discord"))
    assert erased.startswith("Erased ")


@pytest.mark.pg
async def test_a_linked_person_is_counted_once_with_a_breakdown_by_platform(h: Harness) -> None:
    await fixture(h)
    k = await cog(h).kpis(7)
    assert k.platforms == "4 people: discord 2, slack 3 (1 linked, counted once)"
    w = window("acme", 7, h.clock.now(), cog(h).ctx.community.tz)
    async with h.runtime.db.session() as session:
        rows = [tuple(r) for r in (await session.execute(active_by_platform(w))).all()]
    # bob on Discord alone; alice (two accounts) under both; carol and Slack's dan on Slack alone
    assert rows == [("discord", 1, 1), ("discord", 2, 1), ("slack", 1, 2), ("slack", 2, 1)]
    assert split(rows) == PlatformSplit(4, 1, {"discord": 2, "slack": 3})
    [stats] = texts(await h.command("mo", "/stats 7d", platform="slack"))
    assert "\nBy platform: 4 people: discord 2, slack 3 (1 linked, counted once)." in stats


def test_one_platform_needs_no_breakdown() -> None:
    assert PlatformSplit(3, 0, {"discord": 3}).line() == ""
    assert PlatformSplit(3, 0, {"discord": 2, "slack": 1}).line() == "3 people: discord 2, slack 1"
