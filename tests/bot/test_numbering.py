"""bot.numbering: per-community numbers counting up, counted again when another writer took one."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint, insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bot.numbering import with_next_number

meta = MetaData()
items = Table("items", meta, Column("id", Integer, primary_key=True), Column("community", String(20)),
              Column("number", Integer), UniqueConstraint("community", "number"))


async def test_numbers_count_per_community_and_a_clash_counts_again() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    tried: list[int] = []
    async with AsyncSession(engine) as session, session.begin():
        async def add(first: int, community: str = "acme") -> int:
            tried.append(first)
            await session.execute(insert(items).values(community=community, number=first))
            return first

        assert await with_next_number(session, items.c.number, items.c.community, "acme", add) == 1
        assert await with_next_number(session, items.c.number, items.c.community, "acme", add) == 2
        assert await with_next_number(session, items.c.number, items.c.community, "other",
                                      lambda n: add(n, "other")) == 1

        async def racing(first: int) -> int:  # the number is taken between the count and the insert
            if len(tried) == 3:  # (written in the savepoint here, so its rollback takes it away again)
                await session.execute(insert(items).values(community="acme", number=first))
            return await add(first)

        tried.clear()
        tried.extend([0, 0, 0])
        assert await with_next_number(session, items.c.number, items.c.community, "acme", racing) == 3
        assert tried[3:] == [3, 3], "the clash rolled back to its savepoint and counted again"

        async def always_taken(first: int) -> int:
            await session.execute(insert(items).values(community="acme", number=1))
            return first

        with pytest.raises(RuntimeError, match="could not allocate a number"):
            await with_next_number(session, items.c.number, items.c.community, "acme", always_taken)
    await engine.dispose()
