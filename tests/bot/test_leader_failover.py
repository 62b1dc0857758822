"""Two processes on PostgreSQL: the leader is killed with SIGKILL mid-stream of due reminders and the
follower takes over: every reminder runs exactly once, none by the follower while the leader lived."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.scheduler import Scheduler, jobs
from bot.storage import Database
from tests.bot.scheduler_child import meta, runs
from tests.bot.test_scheduler_restart import _at_least, count_runs, spawn, wait_for
from tests.conftest import PG_URL


@pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")
async def test_the_leader_killed_its_due_reminders_are_sent_once_by_the_other(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite is one process: there is no follower")
    db = await Database.open(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    leader = spawn(db_url, "leader")  # first to start: takes the advisory lock
    follower = spawn(db_url, "follower")
    now = datetime.now(UTC)
    items = [("test.tick", now + timedelta(seconds=0.3 + 2.5 * i / 400), {"i": i}, f"reminder-{i:03d}")
             for i in range(400)]
    await Scheduler(db, SystemClock()).schedule_many(items)  # not started: only schedules
    try:
        await wait_for(lambda: _at_least(db, 100))
    finally:
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
    killed_at = datetime.now(UTC)
    assert await count_runs(db) < 400, "the kill came too late to show a take-over"
    try:
        await wait_for(lambda: _at_least(db, 400), limit=30)
        await asyncio.sleep(0.5)  # anything sent twice would show up now
    finally:
        follower.terminate()
        follower.wait(10)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(runs.c.key, runs.c.runner))).all()
        job_rows = (await conn.execute(select(jobs.c.status, jobs.c.runner, jobs.c.started_at))).all()
    statuses = {r.status for r in job_rows}
    taken_over = [r.started_at.replace(tzinfo=UTC) if r.started_at.tzinfo is None else r.started_at
                  for r in job_rows if r.runner == "follower"]
    assert taken_over and min(taken_over) >= killed_at - timedelta(seconds=0.2), "the follower waited for the kill"
    keys = [r.key for r in rows]
    assert len(keys) == 400 and len(set(keys)) == 400, "every reminder once, none twice"
    assert statuses == {"done"}
    assert {r.runner for r in rows} == {"leader", "follower"}
    assert await count_runs(db) == 400
    assert killed_at > now
    await db.close()
