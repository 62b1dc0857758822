"""Scheduled prompts on SQLite and PostgreSQL: a week with no repeats, DST, restarts, reloads, replies counted."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.actions import CreateThread, SendMessage
from bot.config import load_config_text
from bot.facts import PromptPosted
from bot.testing import Harness
from cogs.engagement.settings import EngagementSettings
from tests.cogs.engagement.conftest import BASIC, CONFIG, cog, posts, replies, start

QOTD = "❓ Question of the day: "


async def run_days(h: Harness, days: int) -> list[tuple[datetime, str]]:
    """Advance ``days`` (the clock stops at each due job); each prompt with the moment it went out."""
    since = h.clock.now()
    texts = [p.content.plain().removeprefix(QOTD) for p in posts(await h.advance(days=days))
             if p.content.plain().startswith(QOTD)]
    facts = [f for f in await cog(h).ctx.facts((PromptPosted,)) if f.at is not None and f.at > since]
    assert len(facts) == len(texts)
    return [(f.at, t) for f, t in zip(facts, texts, strict=True) if f.at is not None]


async def test_a_week_of_prompts_has_no_repeats_and_the_next_round_starts_fresh(h: Harness) -> None:
    week = await run_days(h, 7)
    assert len(week) == 7 and len({p for _, p in week}) == 7  # the whole pool, each once
    assert all(at.astimezone(h.runtime.communities["acme"].tz).hour == 9 for at, _ in week)
    nxt = await run_days(h, 7)
    assert len({p for _, p in nxt}) == 7 and nxt[0][1] != week[-1][1]  # a new round never opens with the last
    facts = await cog(h).ctx.facts((PromptPosted,))
    assert len(facts) == 14 and len({f.occurrence for f in facts}) == 14


async def test_prompts_keep_the_local_hour_across_the_dst_change(db_url: str) -> None:
    h = await start(db_url, now=datetime(2026, 3, 27, 12, 0, tzinfo=UTC))  # London moves to BST on 29 March
    try:
        times = [at for at, _ in await run_days(h, 4)]
    finally:
        await h.close()
    assert times == [datetime(2026, 3, 28, 9, 0, tzinfo=UTC), datetime(2026, 3, 29, 8, 0, tzinfo=UTC),
                     datetime(2026, 3, 30, 8, 0, tzinfo=UTC), datetime(2026, 3, 31, 8, 0, tzinfo=UTC)]


async def test_a_restart_keeps_the_schedule_and_the_rotation(db_url: str) -> None:
    first = await start(db_url)
    before = [p for _, p in await run_days(first, 3)]
    now = first.clock.now()
    await first.close()
    second = await start(db_url, now=now)  # a new process on the same database
    try:
        pending = [j for j in await second.runtime.scheduler.pending(community="acme") if "prompt-qotd" in j.key]
        assert len(pending) == 1  # nothing doubled by the restart's reconcile
        after = [p for _, p in await run_days(second, 4)]
    finally:
        await second.close()
    assert len(before) == 3 and len(after) == 4 and len(set(before + after)) == 7


async def test_a_reload_that_adds_a_prompt_keeps_the_rotation(db_url: str) -> None:
    h = await start(db_url)
    try:
        first = [p for _, p in await run_days(h, 3)]
        grown = BASIC.replace('"Coffee or tea?"]', '"Coffee or tea?", "Mountains or sea?"]')
        h.runtime.loader = lambda: load_config_text(CONFIG.replace("{extra}", grown), env={},
                                                    cogs={"engagement": EngagementSettings}).model_copy(
            update={"storage": h.runtime.config.storage})
        h.add_member("root", "Admins")
        assert [t for t in replies(await h.command("root", "/reload"))] == ["Config reloaded."]
        rest = [p for _, p in await run_days(h, 5)]
    finally:
        await h.close()
    assert len(set(first + rest)) == 8  # the new prompt joined this round; nothing came back early


async def test_replies_are_counted_per_prompt_and_shown_to_moderators(h: Harness) -> None:
    await run_days(h, 1)  # Tuesday 09:00's prompt
    await h.advance(minutes=2)  # past the reply counter's minute of caching
    for who in ("bob", "carol", "dan"):
        await h.post(who, "mine is a good one")
    await h.post("eve", "elsewhere", channel="#help")
    report = replies(await h.command("mod", "/engagement prompts"))[0]
    assert report.startswith("Prompts by replies per post (best first):\n3.0 replies/post · 3 in 1 post(s) · qotd: ")
    assert replies(await h.command("bob", "/engagement prompts")) == [
        "/engagement prompts is for moderators; you can't use it here."]


THREADED = """      prompts:
        - name: wins
          channel: "#general"
          when: "0 16 * * FRI"
          template: "🏆 Weekly wins: {prompt}"
          thread: true
          prompts: ["What did you ship this week?"]
"""


async def test_a_weekly_wins_thread_and_its_replies(db_url: str) -> None:
    h = await start(db_url, THREADED)
    try:
        sent = await h.advance(days=5)
        [thread] = [a for a in sent if isinstance(a, CreateThread)]
        assert thread.name == "wins — 9 Jan 2026" and thread.content is not None
        assert thread.content.plain() == "🏆 Weekly wins: What did you ship this week?"
        await h.advance(minutes=1)
        key = f"prompt:acme:cal:engagement.prompt-wins:2026-01-09T16:00:{thread.platform}"
        ref = await cog(h).ctx.delivered(key)
        assert ref is not None
        await h.post("bob", "shipped the poll cog", channel=f"#{ref.channel_id}")
        await h.post("bob", "top-level chatter is not a reply")  # in #general, not in the thread
        report = replies(await h.command("mod", "/engagement prompts"))[0]
        assert "1.0 replies/post · 1 in 1 post(s) · wins:" in report
        assert not [a for a in sent if isinstance(a, SendMessage) and "Weekly wins" in a.content.plain()]
    finally:
        await h.close()
