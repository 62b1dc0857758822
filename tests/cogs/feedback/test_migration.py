"""The feedback migration creates exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage import Base
from bot.storage.database import Database
from cogs.feedback import COG


def _feedback_only(diff: list[Any]) -> list[Any]:
    return [d for d in diff if "feedback_" in repr(d)]


async def test_the_migration_matches_the_models(db_url: str) -> None:
    assert COG.migrations is not None
    db = await Database.open(db_url, [COG.migrations])
    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    finally:
        await db.close()
    assert _feedback_only(diff) == []
