"""A Harness with the analytics cog on a memory platform, and helpers to publish facts as the other cogs do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.facts import Fact
from bot.testing import Harness
from cogs.analytics import COG

CONFIG = """
communities:
  - name: acme
    timezone: Europe/London
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general", help: "#help", staff: "#staff"}
    commands: {per_member: 100, window: 10s}
    analytics:
      report: {channel: "#staff", when: "0 9 * * MON", days: 7}
      ignore_channels: ["#staff"]
      invite_channel: "#general"
"""
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"analytics": COG}, now=START)
    harness.add_member("mo", "Moderators", rank=10)
    yield harness
    await harness.close()


async def publish(h: Harness, fact: Fact, community: str = "acme") -> None:
    """Publish a fact as another cog would (stamped with the harness clock)."""
    await h.runtime.facts.publish(fact.stamped(community, h.clock.now()))
    await h.runtime.idle()


def cog(h: Harness, community: str = "acme") -> COG:
    """The analytics cog instance of a community."""
    [found] = [c for c in h.runtime.cogs_of(community) if isinstance(c, COG)]
    return found


def at(day: int, hour: int = 12) -> datetime:
    """Day ``day`` of the fixture (0 = Monday 5 January 2026), at ``hour`` UTC (London is UTC in winter)."""
    return START.replace(day=5 + day, hour=hour)
