"""Feedback votes are a person's: one vote whichever platform it comes from, and a link folds two into one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.testing import Harness, texts
from cogs.feedback import COG
from cogs.identity import COG as IDENTITY
from tests.cogs.feedback.conftest import CONFIG, submit


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG + "    identity: {}\n", db_url=db_url,
                                  cogs={"feedback": COG, "identity": IDENTITY}, platforms=("discord", "slack"))
    yield harness
    await harness.close()


async def link(h: Harness, name: str) -> None:
    [answer] = texts(await h.command(name, "/link", platform="discord"))
    code = re.search(r"code is ([A-Z0-9]{3}-[A-Z0-9]{3})", answer)
    assert code, answer
    assert texts(await h.command(name, f"/link {code.group(1)}", platform="slack"))[0].startswith("Linked")


@pytest.mark.pg
async def test_a_linked_member_votes_once_across_platforms(h: Harness) -> None:
    await submit(h, "alice", "Recurring events please")
    await link(h, "bob")
    assert texts(await h.command("bob", "/feedback vote 1", platform="discord"))[0].startswith(
        "Your vote for #1 is in (1 vote)")
    assert texts(await h.command("bob", "/feedback vote 1", platform="slack")) == ["You already voted for #1."]


@pytest.mark.pg
async def test_two_accounts_that_voted_before_linking_count_once_after(h: Harness) -> None:
    await submit(h, "alice", "Recurring events please")
    await h.command("bob", "/feedback vote 1", platform="discord")
    assert "(2 votes)" in texts(await h.command("bob", "/feedback vote 1", platform="slack"))[0]  # two persons yet
    await link(h, "bob")
    shown = texts(await h.command("carol", "/feedback show 1", platform="slack"))[0]
    assert "1 vote" in shown and "2 votes" not in shown
