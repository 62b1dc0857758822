"""Chained entries and who waits for them: ``settle`` (the console, tests) waits for followers that
become ready only once their leader is delivered; a moderator's answer comes after the sanction and
the effects that follow it when they go now (so its order does not depend on timing), and never
waits out a storm on them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event as sa_event

from bot.actions import Action, ActionResult, BanMember, Reply, SendDirect, SendMessage, TimeoutMember
from bot.clock import ManualClock
from bot.content import Content
from bot.outbox.chain import DROP, GO, NOTE
from bot.outbox.sender import Outbox
from bot.refs import ChannelRef
from bot.storage.database import Database
from bot.testing import Harness
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG

P = "memory"


class Slow:
    """A platform whose every call takes several turns of the event loop (as a real call does)."""

    platform = P

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def perform(self, action: Action) -> ActionResult:
        for _ in range(5):
            await asyncio.sleep(0)
        self.sent.append(action.channel.id if isinstance(action, SendMessage) else type(action).__name__)
        return ActionResult.success(action)


@pytest.fixture
async def outbox(db_url: str) -> AsyncIterator[tuple[Outbox, Slow, Database]]:
    db = await Database.open(db_url, [])
    slow = Slow()
    box = Outbox(ManualClock(follow_real_time=False), {P: slow}, modlog_of=lambda _c, _p: ChannelRef(P, "mod-log"),
                 concurrency=1)
    await box.start(db)
    try:
        yield box, slow, db
    finally:
        await box.stop()
        await db.close()


def post(channel: str) -> SendMessage:
    return SendMessage(channel=ChannelRef(P, channel), content=Content(("x",)))


async def test_settle_waits_for_followers_that_become_ready_once_their_leader_is_delivered(
        outbox: tuple[Outbox, Slow, Database]) -> None:
    box, slow, db = outbox
    for n in range(5):
        async with db.session() as session, session.begin():
            await box.stage(session, post(f"a{n}"), community="c", key=f"{n}:a")
            await box.stage(session, post(f"b{n}"), community="c", key=f"{n}:b", after=f"{n}:a", if_not=NOTE)
            await box.stage(session, post(f"c{n}"), community="c", key=f"{n}:c", after=f"{n}:b", if_not=DROP)
        await box.settle()
        assert slow.sent[-3:] == [f"a{n}", f"b{n}", f"c{n}"]  # the whole chain, in order, before settle returns
    assert len(slow.sent) == 15


async def test_result_waits_for_the_followers_that_go_now(outbox: tuple[Outbox, Slow, Database]) -> None:
    box, slow, db = outbox
    async with db.session() as session, session.begin():
        await box.stage(session, post("dm"), community="c", key="dm")
        await box.stage(session, post("ban"), community="c", key="ban", after="dm", if_not=GO)
        await box.stage(session, post("mod-log"), community="c", key="log", after="ban", if_not=NOTE)
    answer = await box.result("ban")  # the ban follows its DM, which goes now: so does the ban
    assert answer is not None and answer.ok and answer.code != "queued"
    assert slow.sent == ["dm", "ban", "mod-log"]  # and what follows the ban came out before the answer


# -- through the moderation cog ------------------------------------------------------------------

def kinds(actions: list[Action]) -> list[str]:
    out = []
    for a in actions:
        if isinstance(a, SendMessage) and a.channel.id == "mod-log":
            out.append("mod-log")
        elif isinstance(a, (SendDirect, Reply, TimeoutMember, BanMember)):
            out.append(type(a).__name__)
    return out


async def slow_harness(db_url: str) -> Harness:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    h.add_member("mo", "Moderators", rank=10)
    h.add_member("bob")
    perform = h.adapter.perform

    async def slow(action: Action) -> ActionResult:
        if not isinstance(action, Reply):  # the case's effects take a while on the platform (DMs longest)
            for _ in range(200 if isinstance(action, SendDirect) else 20):
                await asyncio.sleep(0)
        return await perform(action)
    h.adapter.perform = slow  # type: ignore[method-assign]
    return h


async def test_a_moderators_answer_comes_after_the_timeout_its_dm_and_its_post(db_url: str) -> None:
    h = await slow_harness(db_url)
    try:
        performed = await h.command("mo", "/timeout bob 10m spamming")
        assert kinds(performed) == ["TimeoutMember", "mod-log", "SendDirect", "Reply"]
    finally:
        await h.close()


async def test_a_ban_after_its_dm_is_done_before_the_moderator_hears_it_is(db_url: str) -> None:
    h = await slow_harness(db_url)
    try:
        performed = await h.command("mo", "/ban bob 1h spamming")
        assert kinds(performed) == ["SendDirect", "BanMember", "mod-log", "Reply"]
        assert "bob" in h.adapter.banned  # by the time the moderator reads "Case #1: ban bob"
    finally:
        await h.close()


async def test_the_answer_does_not_wait_out_a_storm_on_the_mod_log(db_url: str) -> None:
    h = await slow_harness(db_url)
    perform = h.adapter.perform

    async def storm(action: Action) -> ActionResult:
        if isinstance(action, SendMessage) and action.channel.id == "mod-log":
            h.adapter.performed.append(action)
            return ActionResult.rate_limited(action, 30.0)
        return await perform(action)
    h.adapter.perform = storm  # type: ignore[method-assign]
    try:
        performed = await h.command("mo", "/timeout bob 10m spamming")
        assert kinds(performed) == ["TimeoutMember", "mod-log", "SendDirect", "Reply"]  # the post was tried once...
        performed = await h.advance(seconds=31)
        assert kinds(performed) == ["mod-log"]  # ...and again after its Retry-After, not before
    finally:
        await h.close()


# -- staged together: a group commit's entries in one statement ------------------------------------

def outbox_inserts(db: Database) -> list[str]:
    """The INSERT statements into the outbox table run from now on (a list filled as they run)."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CORE_OUTBOX"):
            seen.append(statement)
    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    return seen


async def test_a_together_block_writes_its_entries_in_one_statement_and_sends_each(
        outbox: tuple[Outbox, Slow, Database]) -> None:
    box, slow, db = outbox
    inserts = outbox_inserts(db)
    async with db.session() as session, session.begin():
        async with box.together(session):
            entries = [await box.stage(session, post(f"t{n}"), community="c", key=f"t{n}") for n in range(40)]
            async with box.together(session):  # nested: written with the outermost block
                entries.append(await box.stage(session, post("inner"), community="c", key="inner"))
            assert inserts == []  # nothing written before the block ends
    assert len(inserts) == 1
    assert all(e.inserted for e in entries)
    await box.settle()
    assert sorted(slow.sent) == sorted([f"t{n}" for n in range(40)] + ["inner"])


async def test_the_same_key_twice_in_a_block_or_after_one_is_one_entry(outbox: tuple[Outbox, Slow, Database]) -> None:
    box, slow, db = outbox
    async with db.session() as session, session.begin():
        await box.stage(session, post("before"), community="c", key="k1")
    await box.settle()
    async with db.session() as session, session.begin():
        async with box.together(session):
            again = await box.stage(session, post("again"), community="c", key="k1")  # delivered already
            first = await box.stage(session, post("first"), community="c", key="k2")
            second = await box.stage(session, post("second"), community="c", key="k2")
    await box.settle()
    assert (again.inserted, first.inserted, second.inserted) == (False, True, False)
    assert slow.sent == ["before", "first"]


async def test_a_rolled_back_block_sends_nothing_and_its_keys_stay_free(outbox: tuple[Outbox, Slow, Database]) -> None:
    box, slow, db = outbox
    with pytest.raises(RuntimeError):
        async with db.session() as session, session.begin():
            async with box.together(session):
                await box.stage(session, post("lost"), community="c", key="r1")
            raise RuntimeError("the case could not be written")
    with pytest.raises(RuntimeError):  # left by an exception inside the block: nothing written
        async with db.session() as session, session.begin():
            async with box.together(session):
                await box.stage(session, post("lost too"), community="c", key="r2")
                raise RuntimeError("a hook failed")
    await box.settle()
    assert slow.sent == []
    async with db.session() as session, session.begin():
        async with box.together(session):
            kept = [await box.stage(session, post(k), community="c", key=k) for k in ("r1", "r2")]
    await box.settle()
    assert all(e.inserted for e in kept) and slow.sent == ["r1", "r2"]
