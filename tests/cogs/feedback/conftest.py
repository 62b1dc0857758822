"""A Harness with the feedback cog: #feedback captures posts, #product gets the digest."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from bot.actions import Action, OpenForm, Reply, SendDirect, SendMessage
from bot.components import Button
from bot.refs import MessageRef
from bot.testing import Harness
from cogs.feedback import COG

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general", feedback: "#feedback", product: "#product"}
    commands: {per_member: 100, window: 10s}
    feedback:
      channel: "#feedback"
      product_channel: "#product"
      reaction: "💡"
      categories: [feature, bug, ux, other]
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"feedback": COG})
    harness.add_member("mo", "Moderators", rank=10)
    yield harness
    await harness.close()


def buttons(actions: Sequence[Action]) -> list[Button]:
    """Every button of every message-like action."""
    return [b for a in actions if isinstance(a, (SendMessage, SendDirect, Reply)) for b in a.content.buttons]


def dms(actions: Sequence[Action]) -> list[tuple[str, str]]:
    """``(recipient, text)`` of every DM."""
    return [(a.user.id, a.content.plain()) for a in actions if isinstance(a, SendDirect)]


def in_channel(actions: Sequence[Action], channel: str) -> list[str]:
    """The texts posted in a channel."""
    return [a.content.plain() for a in actions if isinstance(a, SendMessage) and a.channel.id == channel]


async def submit(h: Harness, name: str, title: str, details: str = "", category: str = "feature",
                 anonymous: str = "no") -> list[Action]:
    """Open the /feedback form and submit it."""
    [opened] = [a for a in await h.command(name, "/feedback") if isinstance(a, OpenForm)]
    return await h.submit(name, opened.form.action, {"title": title, "details": details, "category": category,
                                                     "anonymous": anonymous}, value=opened.form.value)


def last_message(h: Harness) -> MessageRef:
    """The member message the harness posted last."""
    return [m for m in h.adapter.messages if m.id.startswith("msg")][-1]
