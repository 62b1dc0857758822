"""The person-id migration: a case file written by the schema before persons upgrades losing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Connection

from bot.storage.database import CORE_MIGRATIONS, Database
from bot.testing import Harness, texts
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG

T0 = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
# Rows as the moderation cog wrote them before persons existed (revision moderation_0002).
OLD_CASES = [
    dict(community="acme", number=1, platform="memory", user_id="bob", user_name="bob", kind="warn", points=1,
         state="active", created_at=T0, expires_at=T0 + timedelta(days=60), reason="broke the rule"),
    dict(community="acme", number=2, platform="memory", user_id="bob", user_name="bob", kind="timeout", points=0,
         state="active", created_at=T0 + timedelta(hours=1), expires_at=T0 + timedelta(days=40),
         appeal_state="pending", appeal_text="it was a joke", appeal_at=T0 + timedelta(hours=2), reason="spam"),
    dict(community="acme", number=3, platform="discord", user_id="123456789012345678", user_name="carol",
         kind="warn", points=2, state="revoked", created_at=T0 + timedelta(hours=3), ended_by="mo",
         ended_at=T0 + timedelta(hours=4), reason="links"),
    dict(community="beta", number=1, platform="memory", user_id="bob", user_name="bob", kind="ban", points=0,
         state="active", created_at=T0 + timedelta(hours=5), reason="elsewhere"),
]


def _upgrade(conn: Connection, *targets: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
    cfg.set_main_option("version_locations", f"{CORE_MIGRATIONS / 'versions'} {COG.migrations}")
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = conn
    for target in targets:
        command.upgrade(cfg, target)


@pytest.mark.pg
async def test_old_cases_points_and_appeals_survive_the_move_to_person_ids(db_url: str) -> None:
    db = Database(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: _upgrade(c, "core_0001", "moderation_0002"))
        cols = await conn.run_sync(lambda c: [col["name"] for col in sa.inspect(c).get_columns("moderation_cases")])
        assert "person_id" not in cols  # really the old schema
        table = sa.table("moderation_cases", *(sa.column(c) for c in cols))
        for row in OLD_CASES:
            await conn.execute(table.insert().values(**row))
        before = (await conn.execute(sa.select(table).order_by(table.c.id))).mappings().all()
    await db.close()

    db = await Database.open(db_url, [COG.migrations])  # what the next start does: upgrade to heads
    async with db.engine.connect() as conn:
        cols = await conn.run_sync(lambda c: [col["name"] for col in sa.inspect(c).get_columns("moderation_cases")])
        table = sa.table("moderation_cases", *(sa.column(c) for c in cols))
        after = (await conn.execute(sa.select(table).order_by(table.c.id))).mappings().all()
    await db.close()
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert {k: new[k] for k in old} == dict(old)  # every old column, value for value
    people = [row["person_id"] for row in after]
    assert None not in people
    assert people[0] == people[1]  # bob's two cases: one person
    assert len({people[0], people[2], people[3]}) == 3  # carol, and bob in another community

    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, now=T0 + timedelta(days=1))
    try:
        h.add_member("mo", "Moderators", rank=10)
        h.add_member("bob")
        assert await h.runtime.members.persons.get("acme", h.user("bob")) == people[0]  # the account maps to it
        listing = texts(await h.command("mo", "/cases bob"))[0]
        assert "1 active point(s)" in listing and "#1 warn" in listing and "#2 timeout" in listing
        assert texts(await h.post("bob", "casino"))  # a new case joins the same file
        assert "2 active point(s)" in texts(await h.command("mo", "/cases bob"))[0]
    finally:
        await h.close()
