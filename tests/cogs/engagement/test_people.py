"""Re-engagement DMs (once per period, opt-out and DMs off respected), anniversaries and member-count milestones."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.actions import SendDirect, SendMessage
from cogs.engagement.models import MarkRow, MemberRow
from cogs.engagement.people import years_on
from cogs.engagement.roster import fold_seen
from tests.cogs.engagement.conftest import cog, posts, replies, start

PEOPLE = """      pacing: {quiet_hours: "22:00-08:00"}
      reengage: {after: 3d, period: 30d, active_days: 2, when: "0 11 * * *",
                 template: "Hi {name}, it's been {days} days in {community}!"}
      milestones: {channel: "#general", when: "0 10 * * *", members: [3, 5], members_before: 0}
"""
MILESTONES = """      milestones: {channel: "#general", when: "0 10 * * *", members: [3, 5]}
"""


def dms(actions: list) -> list[SendDirect]:  # type: ignore[type-arg]
    return [a for a in actions if isinstance(a, SendDirect)]


async def test_one_gentle_dm_to_members_gone_quiet_never_to_those_who_said_no(db_url: str) -> None:
    h = await start(db_url, PEOPLE)
    try:
        for day in range(2):  # Monday and Tuesday noon
            for who in ("bob", "dan", "eve"):
                for _ in range(3):
                    await h.post(who, "hello there everyone")
            await h.advance(days=1 - day)
        await h.post("carol", "only on one day")  # not active enough
        await h.command("dan", "/settings dm off")
        assert replies(await h.command("eve", "/engagement optout"))[0].startswith("Done: no more")
        sent = await h.advance(days=4)  # Saturday 11:00: silent since Tuesday noon
        assert [(d.user.id, d.content.plain()) for d in dms(sent)] == [("bob", "Hi bob, it's been 3 days in acme!")]
        assert not [p for p in posts(sent) if "bob" in p.content.plain() or "dan" in p.content.plain()]
        assert dms(await h.advance(days=10)) == []  # one per period
        await h.command("eve", "/engagement optin")
        assert [d.user.id for d in dms(await h.advance(days=1))] == ["eve"]
    finally:
        await h.close()


async def test_merge_and_forget_carry_the_opt_out(db_url: str) -> None:
    h = await start(db_url, PEOPLE)
    try:
        await h.command("eve", "/engagement optout")
        for _ in range(3):
            await h.post("frank", "lots to say")
        c = cog(h)
        await c.ctx.writer(MarkRow.__table__).flush()  # type: ignore[arg-type]
        async with c.ctx.db.session() as session:
            assert await fold_seen(session, "acme", c.ctx.community.tz) == 1  # one mark: frank's first message today
            await session.commit()
        eve, frank = await c.ctx.person(h.user("eve")), await c.ctx.person(h.user("frank"))
        async with c.ctx.db.session() as session:
            await c.merge_persons(session, frank, eve)
            await session.commit()
            [row] = (await session.execute(select(MemberRow).where(MemberRow.person_id == eve))).scalars().all()
            assert row.opted_out and row.active_days == 1
            await c.delete_member_data(session, eve)
            await session.commit()
            assert (await session.execute(select(MemberRow))).scalars().all() == []
    finally:
        await h.close()


async def test_member_counts_are_celebrated_once_and_anniversaries_a_year_on(db_url: str) -> None:
    h = await start(db_url, MILESTONES, now=datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    try:
        sent = []
        for who in ("ann", "ben", "cat"):
            sent += await h.join(who)
        sent += await h.advance(minutes=1)
        assert [p.content.plain() for p in posts(sent)] == ["🎉 We're 3 members now — thank you all for being here!"]
        await h.leave("cat")
        sent = await h.join("cat") + await h.advance(minutes=1)
        assert not [p for p in posts(sent) if "members now" in p.content.plain()]  # 3 again: not twice
        await h.command("ben", "/engagement optout")
    finally:
        await h.close()
    h = await start(db_url, MILESTONES, now=datetime(2027, 1, 5, 9, 0, tzinfo=UTC))  # a year on, a restart
    try:
        sent = await h.advance(hours=2)
        [post] = [p for p in posts(sent) if "anniversary" in p.content.plain()]
        assert post.content.plain() == ("🎂 Happy join anniversary to @ann (1 year), @cat (1 year) — thank you for "
                                        "being part of the community!")
        assert {u.id for u in post.content.ping} == {"ann", "cat"}
    finally:
        await h.close()


async def test_a_milestone_in_quiet_hours_waits_for_the_morning(db_url: str) -> None:
    h = await start(db_url, PEOPLE, now=datetime(2026, 1, 5, 23, 0, tzinfo=UTC))
    try:
        sent = []
        for who in ("ann", "ben", "cat"):
            sent += await h.join(who)
        sent += await h.advance(hours=8, minutes=59)  # 07:59: still quiet
        assert not [a for a in sent if isinstance(a, SendMessage) and "members now" in a.content.plain()]
        job = await cog(h).ctx.job("milestone:3")
        assert job is not None and job.status == "done" and not job.late  # it ran at 23:00 and was held
        sent = await h.advance(minutes=31)
        [post] = [a for a in sent if isinstance(a, SendMessage) and "members now" in a.content.plain()]
        assert post.channel.id == "general"
    finally:
        await h.close()


@given(joined=st.dates(), today=st.dates())
def test_anniversaries_fall_once_a_year(joined: object, today: object) -> None:
    j = datetime.combine(joined, datetime.min.time())  # type: ignore[arg-type]
    t = datetime.combine(today, datetime.min.time())  # type: ignore[arg-type]
    years = years_on(j, t)
    assert years >= 0
    if years:
        assert t.year - j.year == years and t.month == j.month
        assert t.day == j.day or (j.month, j.day, t.day) == (2, 29, 28)


def test_a_leap_day_join_is_celebrated_on_the_28th() -> None:
    assert years_on(datetime(2024, 2, 29), datetime(2025, 2, 28)) == 1
    assert years_on(datetime(2024, 2, 29), datetime(2028, 2, 29)) == 4
    assert years_on(datetime(2024, 2, 29), datetime(2028, 2, 28)) == 0
