"""A Harness with the identity cog on two memory platforms named discord and slack."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.persons import PersonId
from bot.refs import UserRef
from bot.testing import Harness, texts
from cogs.identity import COG
from tests.notes_cog import NotesCog

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general"}
    commands: {per_member: 100, window: 10s}
    identity: {}
    notes: {}
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"identity": COG, "notes": NotesCog},
                                  platforms=("discord", "slack"))
    harness.add_member("mo", "Moderators", rank=10, platform="discord")
    yield harness
    await harness.close()


def notes_cog(h: Harness) -> NotesCog:
    return next(c for c in h.runtime.cogs_of("acme") if isinstance(c, NotesCog))


async def code_for(h: Harness, name: str, platform: str) -> str:
    """``/link`` on a platform; the code it answers with."""
    [answer] = texts(await h.command(name, "/link", platform=platform))
    found = re.search(r"code is ([A-Z0-9]{3}-[A-Z0-9]{3})", answer)
    assert found, answer
    return found.group(1)


async def person(h: Harness, name: str, platform: str) -> PersonId:
    return await h.runtime.members.persons.get("acme", UserRef(platform, name))
