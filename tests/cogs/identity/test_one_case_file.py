"""Must-show with the real moderation cog: one case file for a linked person, and its own after /unlink."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.actions import TimeoutMember
from bot.testing import Harness
from cogs.identity import COG
from cogs.moderation import COG as MODERATION
from tests.cogs.identity.conftest import code_for

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general"}
    commands: {per_member: 100, window: 10s}
    identity: {}
    moderation:
      escalation:
        expire_after: 30d
        thresholds: {2: {timeout: 1h}}
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"identity": COG, "moderation": MODERATION},
                                  platforms=("discord", "slack"))
    for platform in ("discord", "slack"):
        harness.add_member("mo", "Moderators", rank=10, platform=platform)
        harness.add_member("alice", platform=platform)
    yield harness
    await harness.close()


def timeouts(actions: list) -> list[TimeoutMember]:  # type: ignore[type-arg]
    return [a for a in actions if isinstance(a, TimeoutMember)]


@pytest.mark.pg
async def test_warned_on_slack_and_on_discord_a_linked_person_escalates_once(h: Harness) -> None:
    code = await code_for(h, "alice", "discord")
    await h.command("alice", f"/link {code}", platform="slack")
    assert timeouts(await h.command("mo", "/warn alice 1 spam on slack", platform="slack")) == []
    escalated = timeouts(await h.command("mo", "/warn alice 1 spam on discord", platform="discord"))
    assert [(t.user.platform, t.user.id) for t in escalated] == [("discord", "alice")]  # 2 points together: once


@pytest.mark.pg
async def test_after_unlink_new_cases_stay_on_their_own_platform(h: Harness) -> None:
    code = await code_for(h, "alice", "discord")
    await h.command("alice", f"/link {code}", platform="slack")
    await h.command("alice", "/unlink", platform="slack")
    assert timeouts(await h.command("mo", "/warn alice 1 spam on slack", platform="slack")) == []
    assert timeouts(await h.command("mo", "/warn alice 1 spam on discord", platform="discord")) == []
