"""Every KPI against values worked out by hand on a small two-week fixture (SQLite and PostgreSQL).

The fixture (day 0 = Monday 5 January 2026, London = UTC in winter; "now" is day 13 at 20:00):

- day 0 08:00 alice, bob, carol join (alice first: her join takes the invite baseline; bob through
  invite ``abc``; carol through the ``spring`` campaign's invite); alice answers "friend" to the
  onboarding source question. 09:00 alice posts twice in #general; 10:00 bob posts in #help.
- day 1: alice posts; bob reacts to it (active: reaction given; alice: reaction received).
- day 8: alice posts. day 9: carol posts. day 12: dan joins (answers "newsletter"). day 13: dan leaves.
- facts the other cogs publish: onboarding started (alice, bob), completed (alice); questions
  answered after 60 s, 300 s, 900 s (4 asked); cases: a rule's warn and a moderator's timeout of
  bob, #2 appealed then closed; event 1: alice going, bob going then no, carol going; alice and
  carol checked (alice attended), ratings alice 4 then 5, carol 3; feedback #1 created then
  planned (1 h) and shipped (2 h), #2 created and voted on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.facts import (
    AppealFiled,
    AttendanceChecked,
    CaseClosed,
    CaseOpened,
    EventRated,
    FeedbackCreated,
    FeedbackStatusChanged,
    FeedbackVoted,
    OnboardingAnswered,
    OnboardingCompleted,
    OnboardingStarted,
    QuestionAnswered,
    QuestionAsked,
    RsvpChanged,
)
from bot.testing import Harness
from cogs.analytics.kpis import Kpis
from tests.cogs.analytics.conftest import at, cog, publish

MIN = timedelta(minutes=1)


async def goto(h: Harness, when: datetime) -> None:
    """Move the harness clock to ``when`` (due work runs on the way)."""
    await h.advance(seconds=(when - h.clock.now()).total_seconds())


async def fixture(h: Harness) -> None:
    world = h.adapter.world("acme")
    world.invites = {"abc": 0}
    p = lambda name: h.runtime.members.persons.get("acme", h.user(name))  # noqa: E731
    await h.join("alice")  # the first join takes the invite snapshot
    world.invites["abc"] = 1
    await h.join("bob")
    await h.command("mo", "/invite create spring")
    assert "inv2" in world.invites  # the campaign made its invite
    world.invites["inv2"] = 1
    await h.join("carol")
    alice, bob, carol = await p("alice"), await p("bob"), await p("carol")
    await publish(h, OnboardingAnswered(person=alice, question="how", choices=["friend"], source=True))
    await publish(h, OnboardingAnswered(person=bob, question="colour", choices=["blue"]))  # not the source question
    await publish(h, OnboardingStarted(person=alice))
    await publish(h, OnboardingStarted(person=bob))
    await publish(h, OnboardingCompleted(person=alice, seconds=600))
    await goto(h, at(0, 9))
    await h.post("alice", "hello")
    await h.post("alice", "me again", mentions=(h.user("bob"),))
    await goto(h, at(0, 10))
    await h.post("bob", "how do I?", channel="#help")
    await publish(h, QuestionAsked(person=bob, channel="#help", message="m3"))
    await publish(h, QuestionAnswered(person=bob, channel="#help", message="m3", seconds=60))
    await publish(h, QuestionAsked(person=carol, channel="#help", message="q2"))
    await publish(h, QuestionAnswered(person=carol, channel="#help", message="q2", seconds=900))
    await publish(h, QuestionAsked(person=alice, channel="#help", message="q3"))
    await publish(h, QuestionAnswered(person=alice, channel="#help", message="q3", seconds=300))
    await publish(h, QuestionAsked(person=alice, channel="#help", message="q4"))  # never answered
    await publish(h, CaseOpened(person=bob, number=1, action="warn", automatic=True))
    mo = await p("mo")
    h.add_member("zed", "Moderators", rank=10)
    zed = await p("zed")
    # by a moderator, about what happened at 09:40: 20 minutes to action
    await publish(h, CaseOpened(person=bob, number=2, action="timeout", moderator=mo, incident_at=at(0, 9) + MIN * 40))
    await publish(h, AppealFiled(person=bob, number=2))
    await publish(h, CaseClosed(person=bob, number=2, action="timeout", how="revoked"))
    await publish(h, RsvpChanged(person=alice, event="1", status="going"))
    await publish(h, RsvpChanged(person=bob, event="1", status="going"))
    await publish(h, RsvpChanged(person=carol, event="1", status="going"))
    await publish(h, FeedbackCreated(person=alice, item="1", category="feature"))
    await publish(h, FeedbackCreated(person=carol, item="2", category="bug"))
    await publish(h, FeedbackVoted(person=bob, item="2", vote=1))
    await goto(h, at(0, 11))
    await publish(h, CaseOpened(person=carol, number=3, action="warn", moderator=mo, incident_at=at(0, 10) + MIN * 30))
    await publish(h, CaseOpened(person=carol, number=4, action="note", moderator=mo))  # no incident: no time
    await publish(h, CaseOpened(person=alice, number=5, action="kick", moderator=zed, incident_at=at(0, 8)))
    await publish(h, RsvpChanged(person=bob, event="1", status="no"))
    await publish(h, FeedbackStatusChanged(item="1", status="planned"))
    await goto(h, at(0, 12))
    await publish(h, FeedbackStatusChanged(item="1", status="shipped"))
    await goto(h, at(1))
    [message] = [m for m in h.adapter.messages if m.id.startswith("msg")][-1:]
    await h.post("alice", "day two")
    [day_two] = [m for m in h.adapter.messages if m.id.startswith("msg")][-1:]
    assert day_two != message
    await h.react("bob", day_two, "👍")
    await publish(h, AttendanceChecked(person=alice, event="1", attended=True))
    await publish(h, AttendanceChecked(person=carol, event="1", attended=False))
    await publish(h, EventRated(person=alice, event="1", rating=4))
    await publish(h, EventRated(person=carol, event="1", rating=3))
    await goto(h, at(1, 13))
    await publish(h, EventRated(person=alice, event="1", rating=5))  # changed their mind: the latest counts
    await goto(h, at(8))
    await h.post("alice", "back")
    await goto(h, at(9))
    await h.post("carol", "finally")
    await goto(h, at(12))
    await h.join("dan")
    await publish(h, OnboardingAnswered(person=await p("dan"), question="how", choices=["newsletter"], source=True))
    await goto(h, at(13))
    await h.leave("dan")
    await goto(h, at(13, 20))


@pytest.fixture
async def k14(h: Harness) -> Kpis:
    await fixture(h)
    return await cog(h).kpis(14)


async def test_dau_mau_and_stickiness(k14: Kpis) -> None:
    d = date(2026, 1, 5)
    assert k14.daily == [(d, 2), (d + timedelta(days=1), 2), (d + timedelta(days=8), 1), (d + timedelta(days=9), 1)]
    assert k14.dau == pytest.approx(6 / 14)
    assert (k14.wau, k14.mau) == (2, 3)  # alice and carol this week; alice, bob, carol in 30 days
    assert k14.stickiness == pytest.approx((6 / 14) / 3)
    assert (k14.messages, k14.replies, k14.reactions, k14.reactions_received, k14.mentions) == (6, 0, 1, 1, 1)


async def test_week1_retention_by_cohort(k14: Kpis) -> None:
    first, second = k14.cohorts
    assert (first.week_of, first.members, first.week1_eligible, first.week1_active) == (date(2026, 1, 5), 3, 3, 2)
    assert first.week1 == pytest.approx(2 / 3)  # alice (day 8) and carol (day 9); bob was not back
    assert first.week4 is None  # nobody is four weeks in yet
    assert (second.week_of, second.members, second.week1) == (date(2026, 1, 12), 1, None)  # dan: too early


async def test_funnel_and_time_to_first_message(k14: Kpis) -> None:
    assert k14.funnel == [("joined", 4), ("started onboarding", 2), ("completed onboarding", 1),
                          ("posted a message", 3)]
    # alice 1 h after joining, bob 2 h, carol 9 days 4 h: the median is bob's
    assert k14.first_message == 7200


async def test_median_first_reply(k14: Kpis) -> None:
    assert (k14.questions, k14.answered, k14.first_reply) == (4, 3, 300)


async def test_growth_over_the_last_week(h: Harness) -> None:
    await fixture(h)
    k = await cog(h).kpis(7)
    # in days 7-13: alice (active in week 1 too: returning), carol (first active now), bob churned
    assert (k.new, k.left, k.returning, k.churned) == (1, 1, 1, 1)
    assert (k.mau, k.wau) == (3, 2)


async def test_contributors_channels_moderation_events_feedback_sources(k14: Kpis) -> None:
    assert [(c.label, c.messages, c.reactions_received) for c in k14.top] == [
        ("alice", 4, 1), ("bob", 1, 0), ("carol", 1, 0)]
    assert [(c.name, c.messages, c.before, c.active, c.health) for c in k14.channels] == [
        ("#general", 5, 0, 3, "growing"), ("#help", 1, 0, 1, "growing")]  # bob's reaction: active, no message
    assert k14.cases == [("kick", False, 1), ("note", False, 1), ("timeout", False, 1), ("warn", False, 1),
                         ("warn", True, 1)]
    assert k14.moderators == [("mo", 3), ("zed", 1)]
    assert k14.time_to_action == 1800  # median of 20 min, 30 min and 3 h (the note had no incident time)
    assert (k14.appeals, k14.overturned) == (1, 1)
    [event] = k14.events
    assert (event.event, event.going, event.attended, event.rating, event.ratings) == ("1", 2, 1, 4.0, 2)
    assert (k14.feedback_new, k14.feedback_shipped, k14.feedback_votes, k14.feedback_first_status) == (2, 1, 1, 3600)
    assert [(s.source, s.joins, s.eligible) for s in k14.sources] == [
        ("friend", 1, 0), ("invite:abc", 1, 0), ("newsletter", 1, 0), ("spring", 1, 0)]


async def test_no_message_text_is_stored(h: Harness) -> None:
    await fixture(h)
    from sqlalchemy import select

    from cogs.analytics.models import activity, members
    async with h.runtime.db.session() as session:
        stored = [str(v) for t in (activity, members) for row in (await session.execute(select(t))).all() for v in row]
    assert stored and not any(word in v for v in stored for word in ("hello", "again", "finally", "back"))
