"""A Harness with moderation and the bridge on two memory platforms named discord and slack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest

from bot.actions import Action, SendMessage
from bot.events import MessageDeleted
from bot.refs import MessageRef
from bot.testing import Harness
from cogs.bridge import COG
from cogs.moderation import COG as MODERATION

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels:
      modlog: "#mod-log"
      general: "#general"
      lounge: {discord: "#lounge", slack: "#lounge-slack"}
    moderation:
      rules:
        - {name: banned-words, words: [casino], actions: [delete]}
    bridge:
      channels: [lounge]
      max_length: {slack: 300}
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": MODERATION, "bridge": COG},
                                  platforms=("discord", "slack"))
    yield harness
    await harness.close()


def sent_to(actions: Sequence[Action], platform: str, channel: str) -> list[SendMessage]:
    """The messages posted in one platform's channel."""
    return [a for a in actions if isinstance(a, SendMessage) and a.channel.platform == platform
            and a.channel.id == channel]


def last_out(h: Harness, platform: str) -> MessageRef:
    """The newest message Steward made on a platform."""
    return [m for m in h.adapters[platform].messages if m.id.startswith("out")][-1]


def posted(h: Harness, platform: str) -> MessageRef:
    """The newest message a member posted on a platform."""
    return [m for m in h.adapters[platform].messages if m.id.startswith("msg")][-1]


async def delete(h: Harness, message: MessageRef) -> list[Action]:
    """The platform tells Steward a message was deleted (by anyone)."""
    h.adapters[message.platform].messages.pop(message, None)
    return await h.send(MessageDeleted(**h._base(message.platform), message=message))
