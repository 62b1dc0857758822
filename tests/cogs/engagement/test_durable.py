"""A crash loses no answer and no prompt reply: both are rows through the batching writer within a second,
and a restart reloads the open questions after folding them in, so an answered question never pings."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.testing import Harness
from cogs.engagement.models import MarkRow
from tests.cogs.engagement.conftest import cog, posts, replies, start
from tests.cogs.engagement.test_watch import ASK, pings


async def _marked(h: Harness, kind: str, n: int) -> None:
    """Wait (a few seconds at most) for the batching writer to have written ``n`` marks of ``kind``."""
    for _ in range(100):
        async with h.runtime.db.session() as session:
            found = (await session.execute(select(func.count()).select_from(MarkRow).where(
                MarkRow.kind == kind))).scalar_one()
        if found >= n:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} mark written")


async def _crash(h: Harness) -> None:
    """The process dies: the cog writes nothing on its way out (what is in the database stays)."""
    async def nothing() -> None:
        return None
    cog(h).teardown = nothing  # type: ignore[method-assign]
    await h.close()


async def test_an_answer_before_a_crash_still_means_no_ping_after_the_restart(db_url: str) -> None:
    first = await start(db_url)
    await first.post("bob", ASK, channel="#help")
    await first.advance(minutes=5)
    await first.post("carol", "Ask in #ops, they own staging", channel="#help")
    await _marked(first, "answer", 1)
    now = first.clock.now()
    await _crash(first)
    second = await start(db_url, now=now)
    try:
        assert not pings(await second.advance(hours=2))
    finally:
        await second.close()


async def test_prompt_replies_before_a_crash_are_still_counted(db_url: str) -> None:
    first = await start(db_url)
    await first.advance(hours=21, minutes=1)  # Tuesday 09:00's prompt
    await first.advance(minutes=2)  # past the reply counter's minute of caching
    for who in ("bob", "carol"):
        await first.post(who, "mine is a good one")
    await _marked(first, "reply", 2)
    now = first.clock.now()
    await _crash(first)
    second = await start(db_url, now=now)
    try:
        second.add_member("mod", "Moderators")
        report = replies(await second.command("mod", "/engagement prompts"))[0]
        assert "2 in 1 post(s)" in report
        assert posts(await second.advance(minutes=1)) == []
    finally:
        await second.close()
