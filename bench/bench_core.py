"""Core budgets: batched activity ingest vs a commit per row; 100k pending jobs restored at start.

Prints one JSON object per benchmark.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from bot.clock import SystemClock
from bot.scheduler import Scheduler, jobs
from bot.storage import BatchWriter, Database

meta = MetaData()
activity = Table("bench_activity", meta, Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("member", String(40), nullable=False), Column("channel", String(40), nullable=False),
                 Column("kind", String(16), nullable=False))


async def ingest(folder: Path, events: int = 200_000, naive_events: int = 2_000) -> dict[str, object]:
    """Events/s through the batching writer, and through a commit per event (the naive way)."""
    db = await Database.open(f"sqlite+aiosqlite:///{folder / 'ingest.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    writer = BatchWriter(db, activity, max_batch=5000, max_delay=0.05)
    writer.start()
    start = time.perf_counter()
    for i in range(events):
        writer.submit({"member": f"m{i % 5000}", "channel": f"c{i % 40}", "kind": "message"})
        if i % 5000 == 0:
            await asyncio.sleep(0)  # events arrive from the loop, not in one burst
    await writer.flush()
    batched = events / (time.perf_counter() - start)
    await writer.close()
    start = time.perf_counter()
    for i in range(naive_events):
        async with db.engine.begin() as conn:
            await conn.execute(insert(activity).values(member=f"m{i}", channel="c", kind="message"))
    naive = naive_events / (time.perf_counter() - start)
    await db.close()
    return {"bench": "activity_ingest", "events": events, "events_per_s": round(batched),
            "naive_events_per_s": round(naive), "ratio": round(batched / naive, 1), "budget_events_per_s": 50_000}


async def restore(folder: Path, pending: int = 100_000) -> dict[str, object]:
    """Start-up with 100k pending reminders: time to be ready, and the longest event-loop stall."""
    db = await Database.open(f"sqlite+aiosqlite:///{folder / 'jobs.db'}")
    clock = SystemClock()
    seeding = Scheduler(db, clock)
    now = datetime.now(UTC)
    await seeding.schedule_many([("bench.remind", now + timedelta(hours=1, seconds=i), {"i": i}, f"r{i}")
                                 for i in range(pending)])
    stalls: list[float] = []
    running = True

    async def ticker() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.005)
            t = time.perf_counter()
            stalls.append(t - last - 0.005)
            last = t

    tick = asyncio.create_task(ticker())
    scheduler = Scheduler(db, clock)

    async def remind(run):  # type: ignore[no-untyped-def]
        return None

    scheduler.register("bench.remind", remind)
    start = time.perf_counter()
    await scheduler.start()
    ready = time.perf_counter() - start
    await asyncio.sleep(0.05)
    running = False
    await tick
    async with db.engine.connect() as conn:
        due = (await conn.execute(select(func.count()).select_from(jobs).where(jobs.c.status == "pending"))).scalar()
    await scheduler.stop()
    await db.close()
    return {"bench": "scheduler_restore", "pending": due, "ready_ms": round(ready * 1000, 1),
            "max_loop_stall_ms": round(max(stalls) * 1000, 1), "budget_stall_ms": 50}


async def throughput(folder: Path, jobs_due: int = 3000) -> dict[str, object]:
    """A burst of jobs all due at once (say, reminders for one big event): jobs run per second."""
    db = await Database.open(f"sqlite+aiosqlite:///{folder / 'burst.db'}")
    clock = SystemClock()
    scheduler = Scheduler(db, clock)
    now = datetime.now(UTC)
    await scheduler.schedule_many([("bench.burst", now, {"i": i}, f"b{i}") for i in range(jobs_due)])

    async def burst(run):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.001)  # a send to a platform, roughly

    scheduler.register("bench.burst", burst)
    start = time.perf_counter()
    await scheduler.start()
    elapsed = time.perf_counter() - start
    await scheduler.stop()
    await db.close()
    return {"bench": "scheduler_burst", "jobs": scheduler.ran, "jobs_per_s": round(scheduler.ran / elapsed)}


def main() -> None:
    """Run every core benchmark and print JSON lines."""
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(ingest(Path(tmp)))), flush=True)
        print(json.dumps(asyncio.run(restore(Path(tmp)))), flush=True)
        print(json.dumps(asyncio.run(throughput(Path(tmp)))), flush=True)


if __name__ == "__main__":
    main()
