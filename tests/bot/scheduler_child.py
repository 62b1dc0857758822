"""A process that runs the scheduler until killed (used by the SIGKILL restart test)."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table

from bot.clock import SystemClock
from bot.scheduler import JobRun, Scheduler
from bot.storage import Database

meta = MetaData()
runs = Table("test_runs", meta,
             Column("id", Integer, primary_key=True, autoincrement=True),
             Column("key", String(200), nullable=False),
             Column("attempt", Integer, nullable=False),
             Column("late", Boolean, nullable=False),
             Column("runner", String(64), nullable=False))


async def main(url: str, runner: str) -> None:
    db = await Database.open(url)
    scheduler = Scheduler(db, SystemClock(), runner_id=runner, poll_interval=0.1)

    async def tick(run: JobRun) -> None:
        await asyncio.sleep(0.002)  # a little work, so a kill can land mid-run
        await run.session.execute(runs.insert().values(key=run.key, attempt=run.attempt, late=run.late,
                                                       runner=runner))

    scheduler.register("test.tick", tick)
    await scheduler.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
