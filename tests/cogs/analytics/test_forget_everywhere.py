"""/forget and a platform's account deletion with every installed cog on: no row anywhere names the
person afterwards, and the answer says how many rows went per feature."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Integer, String, cast, func, inspect, or_, select
from sqlalchemy import Table as SATable
from sqlalchemy.sql.schema import MetaData

from bot.events import AccountDeleted
from bot.facts import CaseOpened, read
from bot.testing import Harness, texts
from steward.catalog import discover

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general", help: "#help", staff: "#staff", welcome: "#welcome",
               feedback: "#feedback", events: "#events"}
    commands: {per_member: 100, window: 10s}
    analytics: {}
    moderation: {}
    onboarding: {steps: [{kind: welcome, channel: "#welcome", text: "Hi {member}"}]}
    events: {}
    feedback: {}
    engagement: {}
"""
PERSONISH = ("person", "created_by", "actor", "author", "moderator", "voter", "owner_id")


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs=dict(discover().cogs))
    harness.add_member("root", "Admins", rank=30)
    harness.add_member("alice")
    yield harness
    await harness.close()


async def leave_traces(h: Harness) -> int:
    """Alice joins, talks, is thanked and warned; returns her person id."""
    await h.join("alice")
    await h.post("alice", "hello all")
    await h.post("bob", "hi alice")
    await h.command("bob", "/kudos @alice for the welcome")
    await h.command("root", "/warn @alice keep it friendly")
    await h.runtime.idle()
    person = await h.runtime.members.persons.find("acme", h.user("alice"))
    assert person is not None
    return int(person)


async def rows_naming(h: Harness, person: int, name: str = "alice") -> dict[str, int]:
    """Rows of every table with a person-like column equal to ``person`` or a text column equal to ``name``."""
    await h.runtime.writers.flush()  # type: ignore[union-attr]
    found: dict[str, int] = {}
    async with h.runtime.db.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        meta = MetaData()
        for table_name in names:
            if table_name.startswith("alembic"):
                continue
            table = await conn.run_sync(lambda sync, t=table_name: SATable(t, meta, autoload_with=sync))
            tests = []
            for column in table.columns:
                if isinstance(column.type, Integer) and any(p in column.name for p in PERSONISH):
                    tests.append(column == person)
                elif isinstance(column.type, String):
                    tests.append(cast(column, String) == name)
            if tests:
                n = (await conn.execute(select(func.count()).select_from(table).where(or_(*tests)))).scalar()
                if n:
                    found[table_name] = int(n)
    return found


async def test_forget_leaves_no_row_naming_the_person_and_counts_per_feature(h: Harness) -> None:
    alice = await leave_traces(h)
    before = await rows_naming(h, alice)
    assert {"analytics_activity", "core_accounts"} <= set(before), before  # there was something to erase
    [answer] = texts(await h.command("root", "/forget @alice"))
    assert answer.startswith("Erased ") and "row(s) that named that member: " in answer
    per = dict(part.rsplit(" ", 1) for part in answer.split(": ", 1)[1].rstrip(".").split(", "))
    assert set(per) == {"analytics", "core", "engagement", "events", "feedback", "moderation", "onboarding"}
    assert int(per["analytics"]) >= 2 and int(per["moderation"]) >= 1  # the join and her message; the warning
    assert sum(int(n) for n in per.values()) == int(answer.split()[1])
    assert await rows_naming(h, alice) == {}
    [again] = texts(await h.command("root", "/forget @alice"))
    assert again == "Steward keeps nothing about that member."


async def test_a_deleted_account_is_forgotten_and_the_mod_log_told(h: Harness) -> None:
    alice = await leave_traces(h)
    h.performed.clear()
    community = h.runtime.communities["acme"]
    await h.send(AccountDeleted(**h._base(), member=h.user("alice")))
    await h.runtime.idle()
    assert await rows_naming(h, alice) == {}
    [note] = [t for t in texts(h.performed) if "account was deleted" in t]
    assert note.startswith("A memory account was deleted, so Steward erased its member's data. Erased ")
    assert "analytics " in note and community.name == "acme"
    await h.send(AccountDeleted(**h._base(), member=h.user("nobody")))  # unknown: nothing to say
    assert not [t for t in texts(h.performed) if t.count("account was deleted") and "nobody" in t]


async def test_a_moderators_case_names_them_in_the_fact_and_the_kpis(h: Harness) -> None:
    await leave_traces(h)  # root warned alice
    root = await h.runtime.members.persons.find("acme", h.user("root"))
    await h.runtime.writers.flush()  # type: ignore[union-attr]
    [case] = await read(h.runtime.db, "acme", kinds=(CaseOpened,))
    assert isinstance(case, CaseOpened)
    assert case.moderator == root and case.automatic is False
    analytics = next(c for c in h.runtime.cogs_of("acme") if c.name == "analytics")
    assert (await analytics.kpis(7)).moderators == [("root", 1)]  # type: ignore[attr-defined]
