"""A job scheduled while Steward stops: the alarm is not set on a timer that is already shut down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.scheduler import Scheduler, jobs
from bot.storage import Database


async def test_scheduling_while_the_timer_stops_does_not_raise(sqlite_url: str) -> None:
    clock = ManualClock(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    db = await Database.open(sqlite_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(jobs.metadata.create_all)
    scheduler = Scheduler(db, clock)
    await scheduler.start()
    real = db.session
    stopping: list[asyncio.Task[None]] = []

    def session():  # type: ignore[no-untyped-def]
        # the first session after this point is _arm's query: stop the timer while it runs
        if not stopping:
            stopping.append(asyncio.ensure_future(scheduler.stop()))
        return real()

    await scheduler.schedule("t.x", clock.now() + timedelta(minutes=1), key="one")
    db.session = session  # type: ignore[method-assign]
    await scheduler._arm()  # before the fix: AttributeError: 'NoneType' object has no attribute 'add_job'
    await asyncio.gather(*stopping)
    db.session = real  # type: ignore[method-assign]
    await db.close()
