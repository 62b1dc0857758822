"""What was not delivered is summarised once per community, however many processes report at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.actions import SendMessage
from bot.content import text
from bot.outbox.codec import encode
from bot.outbox.report import report_undelivered
from bot.outbox.table import outbox
from bot.refs import ChannelRef
from bot.storage import Database
from tests.conftest import PG_URL

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
MODLOG = ChannelRef("memory", "mod-log")


@pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")
async def test_two_processes_reporting_at_once_post_one_summary(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL")
    first, second = await Database.open(db_url), await Database.open(db_url)  # two processes' engines
    action = encode(SendMessage(channel=ChannelRef("memory", "general"), content=text("hello")))
    async with first.session() as session, session.begin():
        await session.execute(outbox.insert(), [
            {"key": f"acme:k{i}", "community": "acme", "platform": "memory", "lane": "post",
             "channel": "memory:general",
             "action": action, "status": "failed", "attempts": 1, "not_before": NOW, "created_at": NOW,
             "error": "403 Forbidden", "reported": 0, "owner": name} for i, name in enumerate(["a", "b", "a"])])
    staged: list[tuple[str, int]] = []

    def stage_as(who: str, *, then: Any = None) -> Any:
        async def stage(_session: Any, post: SendMessage, *, community: str | None, key: str) -> None:
            staged.append((who, post.content.plain().count("•")))
            if then is not None:  # the other process reports while this one's summary is not committed yet
                await asyncio.wait_for(then(), timeout=5)
        return stage

    async def second_reports() -> None:
        await report_undelivered(second, "acme", lambda _c, _p: MODLOG, stage_as("second"), {"memory"})

    try:
        await report_undelivered(first, "acme", lambda _c, _p: MODLOG, stage_as("first", then=second_reports),
                                 {"memory"})
        await second_reports()  # and again once the first committed
        assert staged == [("first", 3)]
        async with first.session() as session:
            assert set((await session.execute(select(outbox.c.reported))).scalars()) == {1}
    finally:
        await first.close()
        await second.close()
