"""Persons through the real runtime: lookups, merges and deletions walking every enabled cog."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cog import Cog
from bot.context import CogContext
from bot.persons import PersonConflict, PersonId
from bot.refs import UserRef
from bot.testing import Harness, texts
from tests.notes_cog import NotesCog, notes

CONFIG = """
communities:
  - name: acme
    roles: {admin: [Admins]}
    channels: {general: "#general"}
    notes: {}
    broken: {}
"""

class BrokenCog(Cog):
    """A cog whose hooks write, then fail: its transaction must roll back alone."""

    name = "broken"
    fail = True

    async def delete_member_data(self, session: AsyncSession, person: PersonId) -> int:
        await session.execute(notes.delete())  # would erase everyone's notes if it committed
        if self.fail:
            raise RuntimeError("bug in a cog")
        return 0


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"notes": NotesCog, "broken": BrokenCog})
    yield harness
    await harness.close()


def cog(h: Harness, name: str) -> Cog:
    return next(c for c in h.runtime.cogs_of("acme") if c.name == name)


async def bodies(h: Harness) -> list[tuple[int, str]]:
    return await cog(h, "notes").rows()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.pg
async def test_one_person_per_account_created_once_even_concurrently(h: Harness) -> None:
    ctx = cog(h, "notes").ctx
    users = [UserRef("memory", "ann")] * 10 + [UserRef("discord", "111111111111111111")]
    ids = await asyncio.gather(*(ctx.person(u) for u in users))
    assert len(set(ids[:10])) == 1 and ids[10] != ids[0]
    assert await h.runtime.members.persons.accounts_of(ids[0]) == [UserRef("memory", "ann")]
    h.runtime.members.persons._cache.clear()  # a restart: read back from the table
    assert await ctx.person(UserRef("memory", "ann")) == ids[0]


@pytest.mark.pg
async def test_merge_moves_every_cogs_rows_and_the_accounts(h: Harness) -> None:
    notes_cog: NotesCog = cog(h, "notes")  # type: ignore[assignment]
    a = await notes_cog.add(UserRef("memory", "ann"), "from memory")
    b = await notes_cog.add(UserRef("discord", "222222222222222222"), "from discord")
    report = await h.runtime.members.merge(b, a)
    assert report.ok and report.rows["notes"] == 1
    assert await bodies(h) == [(a, "from memory"), (a, "from discord")]
    assert await notes_cog.ctx.person(UserRef("discord", "222222222222222222")) == a
    assert {u.platform for u in await h.runtime.members.persons.accounts_of(a)} == {"memory", "discord"}
    with pytest.raises(PersonConflict):  # both now hold a memory account
        await h.runtime.members.merge(await notes_cog.ctx.person(UserRef("memory", "bob")), a)


@pytest.mark.pg
async def test_forget_walks_every_cog_one_transaction_each(h: Harness) -> None:
    notes_cog: NotesCog = cog(h, "notes")  # type: ignore[assignment]
    ann = await notes_cog.add(UserRef("memory", "ann"), "ann's")
    bob = await notes_cog.add(UserRef("memory", "bob"), "bob's")
    report = await h.runtime.members.forget(ann)
    assert report.failed == ["broken"] and report.rows["notes"] == 1
    assert await bodies(h) == [(bob, "bob's")]  # broken's delete-all rolled back; notes' own commit stayed
    assert await h.runtime.members.persons.community_of(ann) == "acme"  # kept until every cog succeeded
    broken: BrokenCog = cog(h, "broken")  # type: ignore[assignment]
    broken.fail = False
    assert (await h.runtime.members.forget(ann)).ok
    assert await h.runtime.members.persons.community_of(ann) is None


async def test_lock_serialises_one_person_across_cogs(h: Harness) -> None:
    a, b = cog(h, "notes").ctx, cog(h, "broken").ctx
    pid = await a.person(UserRef("memory", "ann"))
    order: list[str] = []

    async def hold(ctx: CogContext, name: str) -> None:
        async with ctx.lock(pid):
            order.append(f"{name} in")
            await asyncio.sleep(0)
            order.append(f"{name} out")

    await asyncio.gather(hold(a, "a"), hold(b, "b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


def test_any_account_id_round_trips(tmp_path: Path) -> None:
    """One runtime for every example (a start per example cost most of this test); the cache is cleared
    each time, so each id is read back from the database."""
    loop = asyncio.new_event_loop()
    h = loop.run_until_complete(Harness.start(CONFIG, db_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
                                              cogs={"notes": NotesCog, "broken": BrokenCog}))
    ctx = cog(h, "notes").ctx

    @settings(max_examples=40, deadline=None)
    @given(st.text(min_size=1, max_size=64), st.sampled_from(["memory", "discord", "slack"]))
    def round_trip(user_id: str, platform: str) -> None:
        async def run() -> None:
            pid = await ctx.person(UserRef(platform, user_id))
            h.runtime.members.persons._cache.clear()
            assert await ctx.person(UserRef(platform, user_id)) == pid
            assert await h.runtime.members.persons.accounts_of(pid) == [UserRef(platform, user_id)]
        loop.run_until_complete(run())

    try:
        round_trip()
    finally:
        loop.run_until_complete(h.close())
        loop.close()


async def test_an_admin_forgets_a_member_with_a_command(h: Harness) -> None:
    notes_cog: NotesCog = cog(h, "notes")  # type: ignore[assignment]
    broken: BrokenCog = cog(h, "broken")  # type: ignore[assignment]
    await notes_cog.add(UserRef("memory", "ann"), "ann's")
    h.add_member("admin", "Admins")
    h.add_member("ann")
    [answer] = texts(await h.command("admin", "/forget ann"))
    assert "Erased 1 row(s) (notes 1, core 0), but broken failed and kept theirs" in answer
    broken.fail = False
    [answer] = texts(await h.command("admin", "/forget ann"))
    assert answer == "Erased 0 row(s) that named that member: broken 0, core 0, notes 0."  # notes went the first time
    assert await bodies(h) == []
    [answer] = texts(await h.command("ann", "/forget admin"))
    assert "admin" in answer and "can't" in answer  # members may not


class FailingMergeCog(Cog):
    """A cog whose merge fails once: the accounts must not move, so a second merge finishes."""

    name = "broken"
    fail = True

    async def merge_persons(self, session: AsyncSession, source: PersonId, into: PersonId) -> int:
        if self.fail:
            raise RuntimeError("bug in a cog")
        return 0


@pytest.mark.pg
async def test_a_failed_merge_keeps_both_persons_and_a_retry_completes_it(db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"notes": NotesCog, "broken": FailingMergeCog})
    try:
        notes_cog: NotesCog = cog(h, "notes")  # type: ignore[assignment]
        a = await notes_cog.add(UserRef("memory", "ann"), "a")
        b = await notes_cog.add(UserRef("discord", "222222222222222222"), "b")
        report = await h.runtime.members.merge(b, a)
        assert report.failed == ["broken"]
        persons = h.runtime.members.persons
        assert await persons.community_of(b) == "acme"  # not orphaned: the retry can find it
        assert await persons.accounts_of(b) == [UserRef("discord", "222222222222222222")]
        cog(h, "broken").fail = False  # type: ignore[attr-defined]
        assert (await h.runtime.members.merge(b, a)).ok
        assert await persons.community_of(b) is None
        assert await bodies(h) == [(a, "a"), (a, "b")]
    finally:
        await h.close()


@pytest.mark.pg
async def test_detach_gives_one_account_a_fresh_person_and_keeps_the_history(h: Harness) -> None:
    notes_cog: NotesCog = cog(h, "notes")  # type: ignore[assignment]
    ann, slack_ann = UserRef("memory", "ann"), UserRef("slack", "U0ANN")
    a = await notes_cog.add(ann, "a")
    b = await notes_cog.add(slack_ann, "b")
    await h.runtime.members.prefs.set(a, timezone="Europe/Berlin")
    assert (await h.runtime.members.merge(b, a)).ok
    fresh = await h.runtime.members.detach("acme", slack_ann)
    assert fresh != a  # (SQLite may reuse the id the merge freed)
    assert await notes_cog.ctx.person(slack_ann) == fresh
    h.runtime.members.persons._cache.clear()  # another process reads the same from the table
    assert await notes_cog.ctx.person(slack_ann) == fresh and await notes_cog.ctx.person(ann) == a
    assert await bodies(h) == [(a, "a"), (a, "b")]  # rows cannot be split back: they stay
    assert (await h.runtime.members.prefs.get(fresh)).timezone == "Europe/Berlin"  # preferences are copied
    with pytest.raises(PersonConflict):  # now alone: nothing to detach from
        await h.runtime.members.detach("acme", slack_ann)
    with pytest.raises(PersonConflict):
        await h.runtime.members.detach("acme", UserRef("slack", "never-seen"))


async def test_concurrent_first_sightings_share_one_look_up(h: Harness) -> None:
    from sqlalchemy import event

    statements: list[str] = []
    engine = h.runtime.db.engine.sync_engine  # type: ignore[union-attr]

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        ctx = cog(h, "notes").ctx
        ids = await asyncio.gather(*(ctx.person(UserRef("memory", "zed")) for _ in range(50)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(set(ids)) == 1
    # one read and one creation, not fifty of each
    assert sum("core_accounts" in s and s.lstrip().startswith("SELECT") for s in statements) == 1
    assert sum(s.lstrip().startswith("INSERT INTO core_persons") for s in statements) == 1


def _counting(h: Harness) -> tuple[list[str], object]:
    from sqlalchemy import event

    statements: list[str] = []
    engine = h.runtime.db.engine.sync_engine  # type: ignore[union-attr]

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    def commit(_conn) -> None:  # type: ignore[no-untyped-def]
        statements.append("COMMIT")

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", commit)

    def stop() -> None:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "commit", commit)
    return statements, stop


@pytest.mark.pg
async def test_a_raids_new_accounts_are_found_in_one_query_and_created_in_one_transaction(h: Harness) -> None:
    ctx = cog(h, "notes").ctx
    known = await ctx.person(UserRef("memory", "old-timer"))
    h.runtime.members.persons._cache.clear()
    users = [UserRef("memory", f"raider{i}") for i in range(200)] + [UserRef("memory", "old-timer")]
    statements, stop = _counting(h)
    try:
        ids = await asyncio.gather(*(ctx.person(u) for u in users))
    finally:
        stop()  # type: ignore[operator]
    assert ids[-1] == known and len(set(ids)) == 201
    assert sum(s.lstrip().startswith("SELECT") and "core_accounts" in s for s in statements) == 1
    assert statements.count("COMMIT") == 1  # every new person in one transaction
    h.runtime.members.persons._cache.clear()  # read back: each account kept its own person
    assert await asyncio.gather(*(ctx.person(u) for u in users)) == ids
    assert [await h.runtime.members.persons.accounts_of(pid) for pid in ids[:3]] == [[u] for u in users[:3]]


@pytest.mark.pg
async def test_an_account_another_process_created_meanwhile_is_read_not_duplicated(h: Harness) -> None:
    from bot.persons import Persons

    persons = h.runtime.members.persons
    other = Persons(h.runtime.db, h.clock)  # type: ignore[arg-type]  # a second process on the database
    theirs = await other.get("acme", UserRef("memory", "bea"))
    real_find = persons._find_many

    async def stale(keys):  # type: ignore[no-untyped-def]  # our read ran before their insert committed
        return {}

    persons._find_many = stale  # type: ignore[method-assign]
    try:
        ids = await asyncio.gather(*(persons.get("acme", UserRef("memory", n)) for n in ("bea", "cid", "dot")))
    finally:
        persons._find_many = real_find  # type: ignore[method-assign]
    assert ids[0] == theirs and len(set(ids)) == 3
    persons._cache.clear()
    assert [await persons.get("acme", UserRef("memory", n)) for n in ("bea", "cid", "dot")] == ids
