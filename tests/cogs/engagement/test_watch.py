"""Watchers on SQLite and PostgreSQL: an unanswered question pings once, answers are timed, hot topics, thanks."""

from __future__ import annotations

from datetime import timedelta

from bot.actions import AddReaction, SendMessage
from bot.facts import KudosGiven, QuestionAnswered, QuestionAsked
from bot.refs import MessageRef, RoleRef
from bot.testing import Harness
from tests.cogs.engagement.conftest import BASIC, cog, posts, replies, start

ASK = "How do I reset my password on the staging server?"


def pings(actions: list) -> list[SendMessage]:
    return [a for a in posts(actions, "help") if "has had no answer" in a.content.plain()]


async def test_an_unanswered_question_pings_the_helpers_once(h: Harness) -> None:
    asked = await h.post("bob", ASK, channel="#help")
    assert not pings(asked)
    assert not pings(await h.advance(minutes=29))
    [ping] = pings(await h.advance(minutes=2))
    assert ping.content.plain() == "@Helpers: this question from @bob has had no answer for 30 minute(s). " \
                                   "Can someone help?"
    assert ping.content.ping == (RoleRef("memory", "Helpers"),) and ping.reply_to is not None
    assert not pings(await h.advance(hours=5))  # once
    await h.post("helper", "Try the reset link on the login page.", channel="#help")
    [asked_fact] = await cog(h).ctx.facts((QuestionAsked,))
    [answered] = await cog(h).ctx.facts((QuestionAnswered,))
    assert answered.person == asked_fact.person and answered.channel == "#help"
    assert timedelta(seconds=answered.seconds) == timedelta(hours=5, minutes=31)


async def test_an_answer_in_time_means_no_ping_and_a_time_to_first_reply(h: Harness) -> None:
    await h.post("bob", ASK, channel="#help")
    await h.advance(minutes=4)
    await h.post("bob", "it says my token expired", channel="#help")  # the asker alone is no answer
    await h.advance(minutes=3)
    await h.post("carol", "Ask in #ops, they own staging", channel="#help")
    assert not pings(await h.advance(hours=1))
    [answered] = await cog(h).ctx.facts((QuestionAnswered,))
    assert answered.seconds == 7 * 60


async def test_chatter_and_other_channels_are_not_questions(h: Harness) -> None:
    for text in ("what?", "thanks all", "Deploy went fine", "lol ok"):
        await h.post("bob", text, channel="#help")
    await h.post("bob", ASK, channel="#general")  # not a watched channel
    assert not pings(await h.advance(hours=2))
    assert await cog(h).ctx.facts((QuestionAsked,)) == []


async def test_a_second_question_does_not_answer_the_first(h: Harness) -> None:
    await h.post("bob", ASK, channel="#help")
    await h.post("carol", "Is the VPN down for anyone else?", channel="#help")
    await h.advance(minutes=10)
    await h.post("dan", "Why does the build take an hour now?", channel="#help")
    sent = pings(await h.advance(minutes=21))
    assert sorted(p.content.plain().split("from @")[1].split(" ")[0] for p in sent) == ["bob", "carol"]
    later = pings(await h.advance(minutes=30))  # the sweep that pinged them planned the next one
    assert [p.content.plain().split("from @")[1].split(" ")[0] for p in later] == ["dan"]
    assert not pings(await h.advance(hours=3))


async def test_thanks_gives_kudos_and_the_leaderboard_counts_them(h: Harness) -> None:
    h.add_member("carol")
    done = await h.post("bob", "thanks @carol, that fixed it", mentions=(h.user("carol"),))
    assert [a for a in done if isinstance(a, AddReaction)]
    await h.post("bob", "thank you again @carol", mentions=(h.user("carol"),))  # within the hour: once
    assert replies(await h.command("dan", "/kudos @carol for the staging fix")) == [
        "🙌 Kudos to carol for “the staging fix”, from you."]
    board = replies(await h.command("eve", "/kudos top"))[0]
    assert board.startswith("🏆 Most thanked this month (January 2026):\n1. @carol — 2 kudos\n")
    facts = await cog(h).ctx.facts((KudosGiven,))
    assert len(facts) == 2 and len({f.to for f in facts}) == 1


async def test_bad_kudos_are_answered(h: Harness) -> None:
    h.add_member("carol")
    assert replies(await h.command("bob", "/kudos")) == [
        "Thank someone with /kudos @member for helping with the release; see the leaderboard with /kudos top."]
    assert replies(await h.command("bob", "/kudos @bob for me")) == [
        "Kudos are for someone else — thank a member who helped you."]
    assert replies(await h.command("bob", "/kudos @nobody thanks"))[0].startswith("I can't find the member @nobody")
    assert replies(await h.command("bob", "/kudos @steward good bot")) == ["Kudos are for members, not bots."]


async def test_hot_topics_reach_staff_with_counts_and_no_message_text(h: Harness) -> None:
    for day in range(14):  # two quiet weeks of the usual chatter
        await h.post("bob", f"release notes draft {day}")
        await h.advance(days=1)
    for i in range(6):  # then everyone talks about dark mode
        await h.post(f"m{i}", "when is dark mode coming to the mobile app?")
    sent = await h.advance(days=7)
    [post] = posts(sent, "staff")
    text = post.content.plain()
    assert text.startswith("🔥 Hot topics this week (messages, against the 4 weeks before):\n1. “")
    assert "“dark mode” — 6 message(s), usually 0.0" in text
    assert "release" not in text  # steady, so not trending
    assert "“dark”" not in text and "“mode”" not in text  # the phrase hides its words
    async with h.runtime.db.session() as session:
        from sqlalchemy import text as sql
        stored = {r[0] for r in (await session.execute(sql("SELECT term FROM engagement_terms"))).all()}
    assert "dark mode" in stored and not any("when is dark" in t for t in stored)


REPLY_ONLY = """      questions: {channels: ["#help"], helpers: Helpers, after: 30m, answer: reply}
"""


async def test_with_answer_reply_only_a_reply_answers(db_url: str) -> None:
    h = await start(db_url, REPLY_ONLY)
    try:
        await h.post("bob", ASK, channel="#help")
        await h.post("carol", "unrelated: the build is green", channel="#help")  # no reply: no answer here
        question = MessageRef("memory", "help", "msg1")  # the harness numbers messages from 1
        assert question in h.adapter.messages
        await h.post("dan", "Use the reset link", channel="#help", reply_to=question)
        assert not pings(await h.advance(hours=1))
        [answered] = await cog(h).ctx.facts((QuestionAnswered,))
        assert answered.seconds == 0
    finally:
        await h.close()


async def test_kudos_are_thanked_in_public_once_and_held_through_quiet_hours(db_url: str) -> None:
    extra = BASIC + '      kudos: {post_in: "#general"}\n      pacing: {quiet_hours: "22:00-08:00"}\n'
    h = await start(db_url, extra)
    try:
        h.add_member("carol")
        done = await h.command("dan", "/kudos @carol for the staging fix")
        assert replies(done) == ["🙌 Kudos to carol for “the staging fix”, from you. I've thanked them in #general."]
        [post] = [p for p in posts(done) if "thanks" in p.content.plain()]
        assert post.content.plain() == "🙌 dan thanks @carol for “the staging fix”!"
        assert any(getattr(s, "target", None) == h.user("carol") for s in post.content.segments)  # a real mention
        assert not [p for p in posts(await h.advance(hours=2)) if "thanks" in p.content.plain()]  # once
        await h.advance(hours=9)  # 23:00 in London: quiet hours
        late = await h.command("erin", "/kudos @carol for the late deploy")
        assert not [p for p in posts(late) if "thanks" in p.content.plain()]  # held for the morning
        morning = [p for p in posts(await h.advance(hours=10)) if "thanks" in p.content.plain()]
        assert [p.content.plain() for p in morning] == ["🙌 erin thanks @carol for “the late deploy”!"]
    finally:
        await h.close()
