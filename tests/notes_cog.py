"""A cog that keeps rows per person, for tests of merges and deletions walking every enabled cog."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cog import Cog
from bot.persons import PersonId
from bot.refs import UserRef

_meta = MetaData()
notes = Table("test_notes", _meta, Column("id", Integer, primary_key=True), Column("person_id", Integer),
              Column("body", String(50)))


class NotesCog(Cog):
    """Another cog keeping rows per person: a merge must move them, a deletion remove them."""

    name = "notes"

    async def setup(self) -> None:
        async with self.ctx.db.engine.begin() as conn:
            await conn.run_sync(_meta.create_all)

    async def add(self, user: UserRef, body: str) -> PersonId:
        person = await self.ctx.person(user)
        async with self.ctx.db.session() as session, session.begin():
            await session.execute(notes.insert().values(person_id=person, body=body))
        return person

    async def rows(self) -> list[tuple[int, str]]:
        """``(person, body)`` of every note, oldest first."""
        async with self.ctx.db.session() as session:
            return [(r.person_id, r.body) for r in (await session.execute(notes.select().order_by(notes.c.id))).all()]

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        result = await session.execute(notes.update().where(notes.c.person_id == source).values(person_id=into))
        return int(result.rowcount or 0)

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        result = await session.execute(notes.delete().where(notes.c.person_id == person))
        return int(result.rowcount or 0)
