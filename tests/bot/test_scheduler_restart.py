"""1,000 jobs, a SIGKILL half-way, a restart: every job runs exactly once, the overdue ones late."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.scheduler import Scheduler, jobs
from bot.storage import Database
from tests.bot.scheduler_child import meta, runs

ROOT = Path(__file__).resolve().parents[2]


def spawn(url: str, runner: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "tests.bot.scheduler_child", url, runner], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


async def count_runs(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(runs))).scalar_one())


async def wait_for(predicate, limit: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


async def test_thousand_jobs_survive_sigkill_exactly_once(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    first = spawn(db_url, "first")  # an empty schedule: it finds the jobs by polling the table
    scheduler = Scheduler(db, SystemClock())  # not started: only schedules
    now = datetime.now(UTC)
    items = []
    for i in range(1000):
        due = now - timedelta(minutes=5) if i < 200 else now + timedelta(seconds=0.5 + 3 * (i - 200) / 800)
        items.append(("test.tick", due, {"i": i}, f"job-{i:04d}"))
    await scheduler.schedule_many(items)
    try:
        await wait_for(lambda: _at_least(db, 450))
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    killed_at = datetime.now(UTC)
    ran_before = await count_runs(db)
    assert 450 <= ran_before < 1000, ran_before
    await asyncio.sleep(max(0.0, (now + timedelta(seconds=3.7) - datetime.now(UTC)).total_seconds()))

    restart_at = datetime.now(UTC)
    second = spawn(db_url, "second")
    try:
        await wait_for(lambda: _at_least(db, 1000))
        await asyncio.sleep(0.3)  # anything extra would show up now
    finally:
        second.terminate()
        second.wait(10)

    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(runs.c.key, runs.c.late, runs.c.runner))).all()
        job_rows = (await conn.execute(select(jobs.c.key, jobs.c.status, jobs.c.late, jobs.c.due_at))).all()
    keys = [r.key for r in rows]
    assert len(keys) == 1000 and len(set(keys)) == 1000, "every job ran exactly once"
    assert {r.status for r in job_rows} == {"done"}
    by_key = {r.key: r for r in rows}
    for job in job_rows:
        due = job.due_at if job.due_at.tzinfo else job.due_at.replace(tzinfo=UTC)
        run = by_key[job.key]
        if due < now:
            assert run.late and job.late, f"{job.key} was overdue at the first start"
        if run.runner == "second" and due < restart_at:
            assert run.late, f"{job.key} came due while Steward was down and must be marked late"
    assert any(r.runner == "second" for r in rows) and any(r.runner == "first" for r in rows)
    assert killed_at < restart_at
    await db.close()


async def _at_least(db: Database, n: int) -> bool:
    return await count_runs(db) >= n
