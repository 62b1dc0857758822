"""A Harness with the identity cog on two memory platforms named discord and slack."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cog import Cog
from bot.persons import PersonId
from bot.refs import UserRef
from bot.testing import Harness, texts
from cogs.identity import COG

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general"}
    commands: {per_member: 100, window: 10s}
    identity: {}
    notes: {}
"""

_meta = MetaData()
notes = Table("test_identity_notes", _meta, Column("id", Integer, primary_key=True), Column("person_id", Integer),
              Column("body", String(50)))


class NotesCog(Cog):
    """Another cog keeping rows per person: a link must move them."""

    name = "notes"

    async def setup(self) -> None:
        async with self.ctx.db.engine.begin() as conn:
            await conn.run_sync(_meta.create_all)

    async def add(self, user: UserRef, body: str) -> None:
        person = await self.ctx.person(user)
        async with self.ctx.db.session() as session, session.begin():
            await session.execute(notes.insert().values(person_id=person, body=body))

    async def rows(self) -> list[tuple[int, str]]:
        async with self.ctx.db.session() as session:
            return [(r.person_id, r.body) for r in (await session.execute(notes.select().order_by(notes.c.id))).all()]

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        done = await session.execute(notes.update().where(notes.c.person_id == source).values(person_id=into))
        return int(done.rowcount or 0)


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
