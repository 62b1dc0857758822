"""The events cog on a harness: a London community with an #events channel, and helpers to drive it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest

from bot.actions import Action, EditMessage, Reply, SendDirect, SendMessage
from bot.components import Button
from bot.testing import Harness
from cogs.events import COG

CONFIG = """
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general", events: "#events"}
    events:
      grace: 2h
{extra}
"""
MONDAY_NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


async def start(db_url: str, extra: str = "", now: datetime = MONDAY_NOON) -> Harness:
    """A harness with the events cog; ``extra`` lines go under ``events:``."""
    h = await Harness.start(CONFIG.replace("{extra}", extra), db_url=db_url, cogs={"events": COG}, now=now)
    h.add_member("mod", "Moderators")
    return h


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await start(db_url)
    yield harness
    await harness.close()


def dms(actions: Sequence[Action], to: str | None = None) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, SendDirect) and (to is None or a.user.id == to)]


def replies(actions: Sequence[Action]) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, Reply)]


def posts(actions: Sequence[Action], channel: str = "events") -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.channel.id == channel]


def edits(actions: Sequence[Action]) -> list[str]:
    return [a.content.plain() for a in actions if isinstance(a, EditMessage)]


def button(actions: Sequence[Action], label: str) -> Button:
    for a in reversed(actions):
        for b in getattr(getattr(a, "content", None), "buttons", ()):
            if b.label == label:
                return b
    raise AssertionError(f"no {label!r} button in {actions}")


async def create(h: Harness, start: str, *, title: str = "Game night", length: str = "2h", place: str = "",
                 details: str = "", who: str = "mod") -> list[Action]:
    """Open the form, submit it, confirm: the actions of the confirmation (the card among them)."""
    await h.command(who, "/event create")
    echoed = await h.submit(who, "events:create", {"title": title, "start": start, "length": length,
                                                   "place": place, "details": details})
    return await h.press(who, button(echoed, "Create it"))
