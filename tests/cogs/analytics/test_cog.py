"""The analytics cog through the real dispatcher: /stats, /invite, the weekly report, people not
accounts, forgetting a person, what is not counted, and days in the community's time zone."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.actions import Reply, SendMessage
from bot.events import MessagePosted
from bot.facts import OnboardingAnswered, facts_log
from bot.persons import PersonId
from bot.refs import MessageRef
from bot.testing import Harness, texts
from cogs.analytics import COG, base
from cogs.analytics.charts import Charts, render_all
from cogs.analytics.kpis import Kpis
from cogs.analytics.models import activity, campaigns, members
from cogs.analytics.period import day_date, day_number, local_midnight, window
from tests.cogs.analytics.conftest import CONFIG, START, cog, publish


async def person(h: Harness, name: str, platform: str | None = None) -> PersonId:
    return await h.runtime.members.persons.get("acme", h.user(name, platform))


async def test_stats_summarises_privately_and_refuses_a_bad_period(h: Harness) -> None:
    [empty] = await h.command("mo", "/stats")
    assert isinstance(empty, Reply) and empty.ephemeral
    assert "No activity has been recorded for this community yet" in empty.content.plain()
    await h.join("alice")
    await h.post("alice", "hi")
    await h.post("bob", "hello", reply_to=MessageRef("memory", "general", "msg1"))
    [answer] = await h.command("mo", "/stats 30d")
    text = answer.content.plain()
    assert isinstance(answer, Reply) and answer.ephemeral
    assert "Stats, last 30 day(s) for 2025-12-07 – 2026-01-05" in text
    assert "Members: 2 active (WAU 2, average DAU 0.1, stickiness 3%); 1 new, 0 left" in text
    assert "Activity: 2 messages, 1 replies, 0 reactions." in text
    assert "Top contributors: alice (1), bob (1)" in text
    [bad] = await h.command("mo", "/stats 30x")
    assert bad.content.plain() == ("I can't read that period: `30x`: unknown unit `x` — try 10m, 2h30m, 7d or 2 hours "
                                   "(a period is whole days or weeks: 7d, 30d, 4w)")
    [half] = await h.command("mo", "/stats 36h")
    assert "isn't whole days" in half.content.plain()
    [member] = await h.command("alice", "/stats")
    assert member.content.plain() == "/stats is for moderators; you can't use it here."


async def test_invite_campaigns_on_a_platform_with_and_without_invites(h: Harness) -> None:
    [none] = await h.command("mo", "/invite list")
    assert none.content.plain() == "No campaigns yet: /invite create NAME makes one."
    [fallback] = await h.command("mo", "/invite create Newsletter")  # this platform has no invite links
    assert fallback.content.plain() == (
        "Campaign newsletter created.\nmemory: no invite links to track here, so members who answer newsletter to "
        "the onboarding question on how they found us count for it.")
    h.adapter.world("acme").invites = {}
    [made] = await h.command("mo", "/invite create spring-meetup")
    assert made.content.plain() == ("Campaign spring-meetup created.\nmemory: https://invite.memory/inv1 — joins "
                                    "through it count for spring-meetup.")
    [again] = await h.command("mo", "/invite create spring-meetup")
    assert again.content.plain() == "There is already a campaign spring-meetup: /invite list shows it."
    for bad in ("", "two words", "x" * 41, "émoji🎉", "<@everyone>"):
        [refused] = await h.command("mo", f"/invite create {bad}")
        assert refused.content.plain().startswith("A campaign name is 1–40 lower-case letters")
    [listed] = await h.command("mo", "/invite list")
    assert listed.content.plain() == ("Campaigns:\nnewsletter (memory): counted by the onboarding answer"
                                      "\nspring-meetup (memory): https://invite.memory/inv1")
    async with h.runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(campaigns)) == 2


async def test_weekly_report_goes_to_staff_with_charts(h: Harness) -> None:
    await h.join("alice")
    await h.post("alice", "hi")
    await h.post("alice", "in the staff room", channel="#staff")  # ignored: not counted
    done = await h.advance(days=7, hours=1, minutes=1)  # Monday 5 and Monday 12 January, 09:00 London
    first, report = [a for a in done if isinstance(a, SendMessage) and a.channel.id == "staff"]  # once a week
    assert first.content.plain().startswith("Weekly community report for 2025-12-30 – 2026-01-05")
    assert "Activity: 1 messages, 0 replies, 0 reactions." in first.content.plain()  # #staff is not counted
    text = report.content.plain()
    assert text.startswith("Weekly community report for 2026-01-06 – 2026-01-12")
    assert "0 returning, 1 churned." in text and "Quiet channels: #general." in text
    assert sorted(f.name for f in report.files) == ["activity.png", "events.png", "feedback.png", "funnel.png",
                                                    "moderation.png", "promotion.png", "retention.png"]
    assert all(f.data.startswith(b"\x89PNG") and f.content_type == "image/png" for f in report.files)


async def test_without_an_invite_channel_the_campaign_says_why(db_url: str) -> None:
    h = await Harness.start(CONFIG.replace('      invite_channel: "#general"\n', ""), db_url=db_url,
                            cogs={"analytics": COG}, now=START)
    h.add_member("mo", "Moderators", rank=10)
    h.adapter.world("acme").invites = {}  # the platform could make one
    try:
        [answer] = await h.command("mo", "/invite create autumn")
        assert answer.content.plain() == (
            "Campaign autumn created.\nmemory: no invite made (analytics.invite_channel is not set), so members who "
            "answer autumn to the onboarding question on how they found us count for it.")
    finally:
        await h.close()


async def test_charts_are_drawn_off_the_event_loop(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []

    def spy(k: Kpis, names: tuple[str, ...] | None = None) -> Charts:
        threads.append(threading.current_thread().name)
        return render_all(k, names)

    monkeypatch.setattr(base, "render_all", spy)
    await h.post("alice", "hi")
    await h.advance(hours=1, minutes=1)  # the Monday 09:00 report
    assert threads and threads[0] != threading.main_thread().name


async def test_people_are_counted_not_accounts(db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"analytics": COG}, now=START,
                            platforms=("memory", "chat"))
    try:
        await h.post("alice", "from memory")
        await h.post("alice", "from chat", platform="chat")
        assert (await cog(h).kpis(1)).mau == 2  # two accounts nobody has linked yet
        await h.runtime.members.merge(await person(h, "alice", "chat"), await person(h, "alice"))
        k = await cog(h).kpis(1)
        assert (k.mau, k.daily[0][1], k.messages) == (1, 1, 2)
        assert [(c.messages) for c in k.top] == [2]
    finally:
        await h.close()


async def test_forgetting_a_person_leaves_no_row_naming_them(h: Harness) -> None:
    await h.join("alice")
    await h.post("alice", "hi")
    await h.post("bob", "hey")
    alice = await person(h, "alice")
    await publish(h, OnboardingAnswered(person=alice, question="how", choices=["friend"], source=True))
    h.add_member("root", "Admins", rank=30)
    [answer] = await h.command("root", "/forget alice")
    # her join, its source and her message
    assert answer.content.plain() == "Erased 3 row(s) that named that member: analytics 3, core 0."
    [again] = await h.command("root", "/forget alice")
    assert again.content.plain() == "Steward keeps nothing about that member."
    async with h.runtime.db.session() as session:
        for table in (activity, members, facts_log):
            assert await session.scalar(select(func.count()).select_from(table).where(
                table.c.person_id == alice)) == 0
        assert await session.scalar(select(func.sum(activity.c.messages))) == 2  # counts stay, pseudonymous
    k = await cog(h).kpis(1)
    assert (k.messages, k.mau, [c.label for c in k.top]) == (2, 1, ["bob"])


async def test_what_is_not_counted_and_reactions_received(h: Harness) -> None:
    await h.post("alice", "hello")
    msg = [m for m in h.adapter.messages if m.id.startswith("msg")][-1]
    await h.react("bob", msg, "🎉")
    await h.react("alice", msg, "👍")  # one's own message: given, not received
    await h.send(MessagePosted(platform="memory", scope="acme", event_id="bot1", occurred_at=h.clock.now(),
                               message=MessageRef("memory", "general", "b1"), author=h.user("robot"),
                               author_name="robot", text="beep", is_bot=True))
    await h.send(MessagePosted(platform="memory", scope="acme", event_id="dm1", occurred_at=h.clock.now(),
                               message=MessageRef("memory", "dm-alice", "d1"), author=h.user("alice"),
                               author_name="alice", text="a private word", is_dm=True))
    k = await cog(h).kpis(1)
    assert (k.messages, k.reactions, k.reactions_received, k.mau) == (1, 2, 1, 2)
    assert [(c.label, c.reactions_received) for c in k.top] == [("alice", 1)]


def test_days_are_local_and_dst_days_are_23_and_25_hours() -> None:
    london = ZoneInfo("Europe/London")
    summer_late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST on 2 July
    assert day_date(day_number(summer_late, london)).isoformat() == "2026-07-02"
    spring = day_number(datetime(2026, 3, 29, 12, tzinfo=UTC), london)
    assert local_midnight(spring + 1, london) - local_midnight(spring, london) == timedelta(hours=23)
    autumn = day_number(datetime(2026, 10, 25, 12, tzinfo=UTC), london)
    assert local_midnight(autumn + 1, london) - local_midnight(autumn, london) == timedelta(hours=25)
    w = window("acme", 7, datetime(2026, 3, 31, 8, tzinfo=UTC), london)
    assert (w.since, w.until) == (datetime(2026, 3, 25, 0, tzinfo=UTC), datetime(2026, 3, 31, 23, tzinfo=UTC))


async def test_a_message_just_after_local_midnight_counts_for_the_local_day(db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"analytics": COG},
                            now=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    h.add_member("mo", "Moderators", rank=10)
    try:
        await h.post("alice", "late night")
        k = await cog(h).kpis(1)
        assert [d.isoformat() for d, _n in k.daily] == ["2026-07-02"]
        assert texts(await h.command("mo", "/stats 1d"))[0].startswith("Stats, last 1 day(s) for 2026-07-02")
    finally:
        await h.close()
