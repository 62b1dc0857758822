"""PostgreSQL restarted under a running Steward: chat goes on, it reconnects, the mod log hears what was lost once.

The throwaway server of scripts/with-postgres.sh is really stopped (``pg_ctl stop -m fast``) and
started again while messages flow; the rule for what is still done is bot/outage.py's.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import func, select, text

from bot.actions import Action, DeleteMessage, SendMessage
from bot.cluster import live_processes
from bot.facts import CaseClosed
from bot.lease import LEASE_KEY
from bot.testing import Harness
from cogs.moderation import COG
from cogs.moderation.models import CaseRow
from tests.cogs.moderation.conftest import CONFIG
from tests.conftest import PG_URL

STOP, START = os.environ.get("STEWARD_TEST_PG_STOP"), os.environ.get("STEWARD_TEST_PG_START")


async def _run(script: str) -> None:
    proc = await asyncio.create_subprocess_exec(script)
    assert await proc.wait() == 0, f"{script} failed"


def _outage_posts(performed: list[Action]) -> list[str]:
    return [a.content.plain() for a in performed if isinstance(a, SendMessage) and a.channel.id == "mod-log"
            and "database was unreachable" in a.content.plain()]


@pytest.mark.skipif(not (PG_URL and STOP and START), reason="needs the throwaway PostgreSQL (run make test)")
async def test_a_restart_is_survived_chat_goes_on_and_the_mod_log_says_once_what_was_not_recorded(
        db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("the restart is PostgreSQL's")
    assert STOP and START
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    cluster = h.runtime.processes.cluster
    assert cluster is not None
    cluster.heartbeat = 0.2
    try:
        # bob is a person this process knows before the server goes (a member it has not seen since it
        # started cannot be looked up meanwhile: that message is only counted)
        assert [a for a in await h.post("bob", "casino tonight?") if isinstance(a, DeleteMessage)]
        await _run(STOP)
        try:
            # chat goes on from memory: the scam is deleted at once although its case cannot be written
            during = await h.post("bob", "free money at the casino, click")
            assert [a for a in during if isinstance(a, DeleteMessage)], during
            await h.post("bob", "a clean message meanwhile")
            # a fact published meanwhile: the batching writer cannot write it, and counts it (whether the
            # first case's fact was written before the server went depends on the writer's timing)
            community = next(iter(h.runtime.communities))
            await h.runtime.facts.publish(CaseClosed(community=community, at=h.runtime.clock.now(), number=99,
                                                     action="warn", how="expired"))
            await h.runtime.facts.flush()
        finally:
            await _run(START)
        for _ in range(300):  # the heartbeat reconnects with back-off (1 s, 2 s, ...), then reports
            await h.runtime.idle()
            if _outage_posts(h.performed):
                break
            await asyncio.sleep(0.05)
        [post] = _outage_posts(h.performed)
        assert "done without a record" in post and "deleting a message" in post
        assert "not recorded: moderation: its records of a message × 1" in post
        assert "entries of the facts log" in post  # the batching writer's rows
        # back to normal: the next scam is deleted and its case recorded; the outage is reported once
        after = await h.post("bob", "casino again")
        assert [a for a in after if isinstance(a, DeleteMessage)]
        await asyncio.sleep(0.5)  # two more heartbeats
        await h.runtime.idle()
        assert len(_outage_posts(h.performed)) == 1
        async with h.runtime.db.session() as session:
            assert (await session.execute(select(func.count()).select_from(CaseRow))).scalar() == 2  # not that one
        await h.runtime.scheduler._retry_lease()  # its poll: the lease went with the server; it is taken again
        assert h.runtime.scheduler._leader
        async with h.runtime.db.session() as session:
            held = (await session.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = :key"),
                {"key": LEASE_KEY})).scalar()
        assert held == 1
        assert [p.name for p in await live_processes(h.runtime.db)] == [cluster.name]  # its lock is back
    finally:
        await h.close()
