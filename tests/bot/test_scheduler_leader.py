"""With several processes on PostgreSQL only the advisory-lock holder runs timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.scheduler import JobRun, Scheduler
from bot.storage import Database
from tests.conftest import PG_URL


@pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")
async def test_only_the_leader_runs_jobs_and_a_follower_takes_over(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite is one embedded process: it is always the leader")
    clock = ManualClock(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    db_a, db_b = await Database.open(db_url), await Database.open(db_url)
    ran: list[tuple[str, str]] = []

    def handler(who: str):  # type: ignore[no-untyped-def]
        async def run(job: JobRun) -> None:
            ran.append((who, job.key))
        return run

    a = Scheduler(db_a, clock, runner_id="a")
    b = Scheduler(db_b, clock, runner_id="b")
    a.register("t.x", handler("a"))
    b.register("t.x", handler("b"))
    await a.start()
    await b.start()
    assert a._leader and not b._leader
    await b.schedule("t.x", clock.now() + timedelta(minutes=1), key="one")  # scheduled by the follower
    await clock.advance(timedelta(minutes=2))
    assert await b.run_due() == 0  # the follower runs nothing
    assert await a.run_due() == 1
    await a.stop()  # the leader goes away: its lock is released
    await b.schedule("t.x", clock.now(), key="two")
    await b._retry_lease()  # what b's interval check does every 10 s
    assert b._leader
    await b.run_due()
    assert ran == [("a", "one"), ("b", "two")]
    await b.stop()
    await db_a.close()
    await db_b.close()
