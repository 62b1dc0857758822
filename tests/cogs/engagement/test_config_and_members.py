"""Config errors with their line; recurring polls and the monthly post; merged and erased members."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, load_config_text
from bot.testing import Harness
from cogs.engagement.models import KudosRow, QuestionRow, VoteRow
from cogs.engagement.settings import EngagementSettings
from tests.cogs.engagement.conftest import CONFIG, cog, edits, posts, replies, start


def error_of(section: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config_text(CONFIG.replace("{extra}", section), file="steward.yaml", env={},
                         cogs={"engagement": EngagementSettings})
    return str(caught.value)


@pytest.mark.parametrize(("section", "expected"), [
    ('      prompts:\n        - {name: qotd, channel: "#general", when: "0 25 * * *", prompts: [Hi]}\n',
     "steward.yaml:10 communities[0].engagement.prompts[0].when: not a valid cron expression"),
    ('      prompts:\n        - {name: qotd, channel: "#general", when: "0 9 * *", prompts: [Hi]}\n',
     "a cron expression has 5 fields"),
    ('      prompts:\n        - {name: qotd, channel: "#general", when: "0 9 * * *", prompts: []}\n',
     "prompt schedule `qotd` has an empty pool"),
    ('      prompts:\n        - {name: qotd, channel: "#general", when: "0 9 * * *", prompts_file: ../etc/passwd}\n',
     "a prompt file is named relative to config/"),
    ('      polls:\n        recurring:\n          - {name: lunch, channel: "#general", when: "0 10 * * MON", '
     'question: "Lunch?", options: [Pizza]}\n', "a poll needs at least 2 options"),
    ('      polls:\n        recurring:\n          - {name: lunch, channel: "#general", when: "0 10 * * MON", '
     'question: "Lunch?", options: [' + ", ".join(f"o{i}" for i in range(26)) + "]}\n",
     "a poll takes at most 25 options"),
    ('      questions: {channels: ["#help"], helpers: Helpers, after: 10s}\n', "`after` is between 1m and 7d"),
    ('      questions: {channels: ["#help"], helpers: Nobody}\n', "Nobody"),
    ("      prompts:\n        - {name: qotd, channel: general, when: \"0 9 * * *\", prompts: [Hi]}\n",
     'a channel is written as "#name"'),
])
def test_config_errors_name_the_line_and_key(section: str, expected: str) -> None:
    assert expected in error_of(section)


def test_a_bad_time_zone_is_a_config_error_with_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(CONFIG.replace("Europe/London", "Europe/Londn").replace("{extra}", "      kudos: {}\n"),
                         file="steward.yaml", env={}, cogs={"engagement": EngagementSettings})
    assert "steward.yaml:5 communities[0].timezone" in str(caught.value)


RECURRING = """      polls:
        recurring:
          - name: lunch
            channel: "#general"
            when: "0 10 * * MON"
            question: "Where shall we lunch on Friday?"
            options: [Pizza, Sushi, Tacos]
            duration: 1d
      kudos:
        monthly: {channel: "#general", when: "0 12 1 * *", top: 3}
"""


async def test_a_recurring_poll_opens_on_its_calendar_and_closes_itself(db_url: str) -> None:
    h = await start(db_url, RECURRING, now=datetime(2026, 1, 11, 12, tzinfo=UTC))
    try:
        [card] = posts(await h.advance(days=1))  # Monday 10:00
        assert card.content.plain().startswith("📊 Poll #1: Where shall we lunch on Friday?")
        await h.advance(minutes=1)
        voted = await h.press("bob", card.content.buttons[2])
        assert replies(voted) == ["You voted for “Tacos” (press another option to change it)."]
        assert "Tacos — 1 ·" in edits(voted)[0].content.plain()
        [results] = [p for p in posts(await h.advance(days=1)) if p.content.plain().startswith("🏁")]
        assert "Winner: Tacos with 1 of 1 vote(s)." in results.content.plain()
    finally:
        await h.close()


async def test_the_monthly_recognition_post_names_last_month(db_url: str) -> None:
    h = await start(db_url, RECURRING, now=datetime(2026, 1, 20, 12, tzinfo=UTC))
    try:
        h.add_member("carol")
        h.add_member("dan")
        await h.command("bob", "/kudos @carol for the docs")
        await h.command("dan", "/kudos @carol for reviews")
        await h.command("carol", "/kudos @dan for the release")
        sent = [p for p in posts(await h.advance(days=12)) if "most thanked" in p.content.plain()]
        assert [p.content.plain() for p in sent] == [
            "🌟 Thank you! The most thanked members of January 2026:\n1. @carol — 2 kudos\n2. @dan — 1 kudos\n"]
    finally:
        await h.close()


async def test_merge_and_erase_a_member(h: Harness) -> None:
    h.add_member("carol")
    card = posts(await h.command("alice", '/poll "Pizza or sushi?" Pizza Sushi'))[0]
    await h.press("bob", card.content.buttons[0])
    await h.post("bob", "How do I get access to the wiki please?", channel="#help")
    await h.command("bob", "/kudos @carol for the wiki")
    engagement = cog(h)
    await engagement.ctx.writer(QuestionRow.__table__).flush()  # type: ignore[arg-type]  # the batched question row
    bob = await engagement.ctx.person(h.user("bob"))
    carol = await engagement.ctx.person(h.user("carol"))
    async with h.runtime.db.session() as session:
        assert await engagement.merge_persons(session, bob, carol) == 3  # the vote, the question, the kudos
        await session.commit()
    async with h.runtime.db.session() as session:
        assert (await session.execute(select(func.count()).select_from(KudosRow))).scalar_one() == 0  # self-thanks
        erased = await engagement.delete_member_data(session, carol)
        await session.commit()
    assert erased == 2
    async with h.runtime.db.session() as session:
        for table in (VoteRow, QuestionRow, KudosRow):
            assert (await session.execute(select(func.count()).select_from(table))).scalar_one() == 0
