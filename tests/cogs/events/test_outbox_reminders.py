"""Reminders go through the outbox: staged in the reminder job's transaction, sent once each through a
crash on either side of that commit, and a DM the platform refuses still reaches the member in the channel."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from bot.actions import SendDirect, SendMessage
from bot.outbox.table import DONE, outbox
from bot.scheduler import PENDING, jobs
from bot.testing import Harness
from tests.cogs.events.conftest import create, dms, posts, start

REMINDER = "⏰ Reminder: Game night starts Tue 6 Jan 2026, 18:00 GMT."


async def _statuses(h: Harness, like: str) -> list[str]:
    async with h.runtime.db.session() as session:
        return list((await session.execute(select(outbox.c.status).where(outbox.c.key.like(like))
                                           .order_by(outbox.c.key))).scalars())


async def test_a_crash_after_the_reminder_job_commits_sends_each_reminder_once_after_restart(db_url: str) -> None:
    first = await start(db_url, "      reminders: [1h]\n      announce_start: false")
    going = posts(await create(first, "tomorrow 18:00"))[0].content.buttons[0]
    for name in ("bob", "carol"):
        await first.press(name, going)
    await first.runtime.effects.outbox.stop()  # the process dies once the job has committed, before any send
    assert dms(await first.advance(hours=29)) == []
    assert await _statuses(first, "%:events:1:%") == [PENDING, PENDING]  # staged with the job, in its transaction
    await first.close()
    second = await start(db_url, "      reminders: [1h]\n      announce_start: false", now=first.clock.now())
    try:
        await second.advance(seconds=1)
        sent = list(second.performed)  # from its start: the outbox sends what it found pending at once
        assert sorted(dms(sent)) == [REMINDER, REMINDER] and {a.user.id for a in sent
                                                               if isinstance(a, SendDirect)} == {"bob", "carol"}
        assert dms(await second.advance(hours=2)) == []
        assert await _statuses(second, "%:events:1:%") == [DONE, DONE]
    finally:
        await second.close()


async def test_a_reminder_job_run_again_after_a_crash_before_its_commit_sends_nobody_twice(h: Harness) -> None:
    going, maybe, _cant = posts(await create(h, "tomorrow 18:00"))[0].content.buttons
    await h.press("bob", going)
    await h.press("carol", maybe)
    assert dms(await h.advance(hours=6)) == [REMINDER]  # the 24h reminder, to bob only (not maybe, by default)
    async with h.runtime.db.session() as session, session.begin():  # as if the job never got marked done
        await session.execute(update(jobs).where(jobs.c.kind == "events.remind").values(status=PENDING))
    assert dms(await h.advance(seconds=1)) == []
    async with h.runtime.db.session() as session:
        count = (await session.execute(select(func.count()).select_from(outbox)
                                       .where(outbox.c.key.like("%:events:1:%")))).scalar_one()
    assert count == 1  # one entry: the job's second run staged nothing new


async def test_a_closed_dm_becomes_one_post_in_the_events_channel_mentioning_only_them(h: Harness) -> None:
    h.adapter.dms_closed.add("bob")
    going = posts(await create(h, "tomorrow 18:00"))[0].content.buttons[0]
    await h.press("bob", going)
    await h.press("carol", going)
    sent = await h.advance(hours=6)
    assert dms(sent, "carol") == [REMINDER]
    [post] = [p for p in posts(sent) if "Reminder" in p.content.plain()]
    assert post.content.plain() == f"@bob {REMINDER}"
    assert post.content.ping == (h.user("bob"),)  # carol, who got her DM, is not pinged
    assert await _statuses(h, "%:events:1:%") == [DONE, DONE]  # bob's DM entry became the channel post
    later = [p.content.plain() for p in posts(await h.advance(days=1)) if "Reminder" in p.content.plain()]
    assert later == [f"@bob {REMINDER}"]  # the 1h reminder's, once; the 24h one is not repeated
    modlog = [p.content.plain() for p in posts(await h.advance(minutes=1), "mod-log")]
    assert not [m for m in modlog if "not delivered" in m.lower()]  # reached another way: not reported as lost


async def test_a_personal_reminder_to_closed_dms_is_posted_where_it_was_set(h: Harness) -> None:
    h.adapter.dms_closed.add("bob")
    await h.command("bob", "/remind in 1h stretch", channel="#general")
    [post] = [a for a in await h.advance(hours=1) if isinstance(a, SendMessage) and "stretch" in a.content.plain()]
    assert post.channel.id == "general"
    assert post.content.plain() == "@bob ⏰ You asked me to remind you: stretch"
    assert post.content.ping == (h.user("bob"),)
    assert [a for a in await h.advance(days=1) if "stretch" in getattr(getattr(a, "content", None), "plain",
                                                                          lambda: "")()] == []


async def test_a_reminder_job_that_dies_half_way_through_sends_everyone_once_when_it_runs_again(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    going = posts(await create(h, "tomorrow 18:00"))[0].content.buttons[0]
    for name in ("bob", "carol", "dan"):
        await h.press(name, going)
    cog = h.runtime.cogs.cogs_of("acme")[-1]
    real, calls = cog.dm, []

    def dies_on_the_second(user: object, content: object) -> object:
        calls.append(user)
        if len(calls) == 2:
            raise ConnectionError("the database went away half way through the reminder")
        return real(user, content)

    monkeypatch.setattr(cog, "dm", dies_on_the_second)
    assert dms(await h.advance(hours=6)) == []  # the job's claims and first DM rolled back with it
    monkeypatch.setattr(cog, "dm", real)
    again = await h.advance(minutes=1)  # the scheduler retries the job 30 s later
    assert sorted(a.user.id for a in again if isinstance(a, SendDirect)) == ["bob", "carol", "dan"]
    assert dms(await h.advance(hours=2)) == []

