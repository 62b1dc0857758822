"""A poll in a channel mapped per platform: a card on Discord and on Slack, one tally, one vote per person."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.testing import Harness, texts
from cogs.engagement import COG
from cogs.identity import COG as IDENTITY
from tests.cogs.engagement.conftest import MONDAY_NOON, edits, posts, replies

CONFIG = """
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general", lounge: {discord: "#lounge", slack: "#lounge-s"}}
    commands: {per_member: 100, window: 10s}
    identity: {}
    engagement:
      polls:
        recurring:
          - {name: lunch, channel: lounge, when: "0 11 * * MON", question: "Lunch?", options: [Pizza, Sushi]}
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"engagement": COG, "identity": IDENTITY},
                                  platforms=("discord", "slack"), now=MONDAY_NOON)
    yield harness
    await harness.close()


async def link(h: Harness, name: str) -> None:
    [answer] = texts(await h.command(name, "/link", platform="discord"))
    code = re.search(r"code is ([A-Z0-9]{3}-[A-Z0-9]{3})", answer)
    assert code, answer
    await h.command(name, f"/link {code.group(1)}", platform="slack")


@pytest.mark.pg
async def test_a_poll_in_a_logical_channel_counts_each_person_once_on_both_cards(h: Harness) -> None:
    await link(h, "alice")
    asked = await h.command("alice", '/poll "Pizza or sushi?" Pizza Sushi', "#lounge", platform="discord")
    cards = {c.channel.platform: c for c in posts(asked, "lounge") + posts(asked, "lounge-s")}
    assert {p: c.channel.id for p, c in cards.items()} == {"discord": "lounge", "slack": "lounge-s"}
    pizza, sushi = cards["slack"].content.buttons
    first = await h.press("alice", pizza, "#lounge-s", platform="slack")
    assert replies(first) == ["You voted for “Pizza” (press another option to change it)."]
    assert {e.message.platform for e in edits(first)} == {"discord", "slack"}  # both cards, edited
    moved = await h.press("alice", sushi, "#lounge", platform="discord")  # the same person on the other side
    assert replies(moved) == ["Your vote moved from “Pizza” to “Sushi”."]
    await h.press("bob", sushi, "#lounge-s", platform="slack")
    last = await h.press("bob", sushi, "#lounge", platform="discord")  # a different person: discord's bob
    for edit in edits(last):
        text = edit.content.plain()
        assert "Pizza — 0 ·" in text and "Sushi — 3 ·" in text and "3 voter(s)" in text
    assert {e.message.platform for e in edits(last)} == {"discord", "slack"}
    assert not posts(last, "lounge") and not posts(last, "lounge-s")  # edited, never reposted


@pytest.mark.pg
async def test_a_recurring_poll_on_a_logical_channel_opens_on_both_platforms(h: Harness) -> None:
    opened = await h.advance(days=7)
    cards = posts(opened, "lounge") + posts(opened, "lounge-s")
    assert sorted(c.channel.platform for c in cards) == ["discord", "slack"]
    assert all(c.content.plain().startswith("📊 Poll #1: Lunch?") for c in cards)
    voted = await h.press("carol", cards[0].content.buttons[0], platform=cards[0].channel.platform)
    assert len(edits(voted)) == 2
