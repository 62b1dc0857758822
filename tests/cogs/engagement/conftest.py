"""The engagement cog on a harness: a London community with #general, #help and #staff, and helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest

from bot.actions import Action, EditMessage, Reply, SendMessage
from bot.components import Button
from bot.testing import Harness
from cogs.engagement import COG, EngagementCog

CONFIG = """
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    roles: {moderator: [Moderators], admin: [Admins], helper: [Helpers]}
    channels: {modlog: "#mod-log", general: "#general", help: "#help", staff: "#staff"}
    engagement:
{extra}
"""
BASIC = """      prompts:
        - name: qotd
          channel: "#general"
          when: "0 9 * * *"
          template: "❓ Question of the day: {prompt}"
          prompts: ["What are you reading?", "Cats or dogs?", "Best bug you fixed?", "Favourite editor?",
                    "Tabs or spaces?", "First language you learned?", "Coffee or tea?"]
      questions: {channels: ["#help"], helpers: Helpers, after: 30m}
      hot_topics: {channel: "#staff", when: "0 9 * * MON", min_count: 3}
"""
MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def start(db_url: str, extra: str = BASIC, now: datetime = MONDAY_NOON) -> Harness:
    """A harness with the engagement cog; ``extra`` is the section's body."""
    h = await Harness.start(CONFIG.replace("{extra}", extra), db_url=db_url, cogs={"engagement": COG}, now=now)
    h.add_member("mod", "Moderators")
    h.add_member("helper", "Helpers")
    return h


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await start(db_url)
    yield harness
    await harness.close()


def cog(h: Harness) -> EngagementCog:
    """The community's engagement cog instance."""
    found = [c for c in h.runtime.cogs.cogs_of("acme") if isinstance(c, EngagementCog)]
    return found[0]


def replies(actions: Sequence[Action]) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, Reply)]


def posts(actions: Sequence[Action], channel: str = "general") -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.channel.id == channel]


def edits(actions: Sequence[Action]) -> list[EditMessage]:
    return [a for a in actions if isinstance(a, EditMessage)]


def button(actions: Sequence[Action], label: str) -> Button:
    for a in reversed(actions):
        for b in getattr(getattr(a, "content", None), "buttons", ()):
            if b.label == label:
                return b
    raise AssertionError(f"no {label!r} button in {actions}")
