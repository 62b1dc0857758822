"""Storage on SQLite and PostgreSQL: migrations, the batching writer, clear open errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, func, inspect, select

from bot.clock import ManualClock
from bot.scheduler import Scheduler
from bot.storage import BatchWriter, Database, StorageError, mask_url
from bot.storage.base import UTCDateTime

meta = MetaData()
activity = Table("test_activity", meta, Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("member", String(40), nullable=False), Column("n", Integer, nullable=False))
typed = Table("test_typed", meta, Column("id", Integer, primary_key=True, autoincrement=True),
              Column("at", UTCDateTime, nullable=False), Column("payload", JSON, nullable=True),
              Column("note", String(20), nullable=True))
defaulted = Table("test_defaulted", meta, Column("id", Integer, primary_key=True, autoincrement=True),
                  Column("member", String(40), nullable=False), Column("n", Integer, nullable=False, default=7))


async def test_migrations_create_core_tables_and_are_idempotent(db_url: str) -> None:
    db = await Database.open(db_url)
    await db.migrate()  # a second run is a no-op
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
    assert {"core_jobs", "core_alembic_version"} <= set(names)
    await db.close()


async def test_batch_writer_stores_everything_in_few_commits(db_url: str) -> None:
    db = await Database.open(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    writer = BatchWriter(db, activity, max_batch=500, max_delay=0.05)
    writer.start()
    for i in range(5000):
        writer.submit({"member": f"m{i % 50}", "n": i})
    await writer.flush()
    await writer.close()
    async with db.engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(activity))).scalar_one()
        total = (await conn.execute(select(func.sum(activity.c.n)))).scalar_one()
    assert count == 5000 and total == sum(range(5000))
    assert writer.written == 5000 and writer.dropped == 0
    await db.close()


async def test_batch_writer_keeps_every_type_and_key_set(db_url: str) -> None:
    """Rows go to the driver as tuples where they can: a zone-aware time comes back the same instant, JSON
    the same value; a table with a Python default is written as SQLAlchemy would."""
    db = await Database.open(db_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    berlin = timezone(timedelta(hours=1))
    at = datetime(2026, 3, 29, 1, 30, tzinfo=berlin)
    writer = BatchWriter(db, typed)
    writer.submit({"at": at, "payload": {"k": [1, "two", None]}, "note": "a"})
    writer.submit({"at": at + timedelta(seconds=1), "payload": None, "note": None})
    await writer.flush()
    other = BatchWriter(db, defaulted)
    other.submit({"member": "bob"})
    other.submit({"member": "carol"})
    await other.flush()
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(typed.c.at, typed.c.payload, typed.c.note).order_by(typed.c.id))).all()
        given = (await conn.execute(select(defaulted.c.member, defaulted.c.n).order_by(defaulted.c.id))).all()
    assert [tuple(r) for r in rows] == [(at, {"k": [1, "two", None]}, "a"), (at + timedelta(seconds=1), None, None)]
    assert all(r[0].utcoffset() == timedelta(0) for r in rows)
    assert [tuple(r) for r in given] == [("bob", 7), ("carol", 7)]
    # the typed rows took the driver path, the defaulted ones SQLAlchemy's
    assert [p is not None for p in writer._plans.values()] == [True]
    assert [p is not None for p in other._plans.values()] == [False]
    assert writer.written == 2 and other.written == 2 and writer.dropped == other.dropped == 0
    await db.close()


async def test_scheduler_schedule_move_cancel_and_late(db_url: str) -> None:
    db = await Database.open(db_url)
    clock = ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    scheduler = Scheduler(db, clock, late_grace=timedelta(hours=1))
    seen: list[tuple[str, bool]] = []

    async def handler(run):  # type: ignore[no-untyped-def]
        seen.append((run.key, run.late))

    scheduler.register("t.x", handler)
    await scheduler.schedule("t.x", clock.now() + timedelta(minutes=10), key="a")
    await scheduler.schedule("t.x", clock.now() + timedelta(minutes=20), key="a")  # moved, not duplicated
    await scheduler.schedule("t.x", clock.now() + timedelta(minutes=5), key="b")
    await scheduler.schedule("t.x", clock.now() - timedelta(minutes=30), key="overdue")
    await scheduler.schedule("t.x", clock.now() - timedelta(hours=3), key="ancient")
    assert await scheduler.cancel("b") and not await scheduler.cancel("b")
    await scheduler.start()  # the start-up pass runs overdue work once, marked late
    assert seen == [("overdue", True)]
    assert (await scheduler.get("ancient")).status == "skipped"  # type: ignore[union-attr]
    await clock.advance(timedelta(minutes=15))
    await scheduler.run_due()
    assert seen == [("overdue", True)]
    await clock.advance(timedelta(minutes=5, seconds=30))  # 30 s after due: on time, not late
    await scheduler.run_due()
    await scheduler.run_due()
    assert seen == [("overdue", True), ("a", False)]
    assert (await scheduler.get("a")).status == "done"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="already exists with status done"):
        await scheduler.schedule("t.x", clock.now(), key="a")
    # a cancelled job never ran, so its key can be scheduled again (and then runs once)
    await scheduler.schedule("t.x", clock.now() + timedelta(minutes=1), {"again": True}, key="b")
    assert (await scheduler.get("b")).status == "pending"  # type: ignore[union-attr]
    await clock.advance(timedelta(minutes=2))
    await scheduler.run_due()
    await scheduler.run_due()
    assert seen[-1] == ("b", False) and [k for k, _ in seen].count("b") == 1
    await scheduler.stop()
    await db.close()


async def test_failing_job_is_retried_then_failed(db_url: str) -> None:
    db = await Database.open(db_url)
    clock = ManualClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    scheduler = Scheduler(db, clock)
    calls = []

    async def broken(run):  # type: ignore[no-untyped-def]
        calls.append(run.attempt)
        raise RuntimeError("nope")

    scheduler.register("t.broken", broken)
    await scheduler.start()
    await scheduler.schedule("t.broken", clock.now(), key="k")
    for _ in range(3):
        await scheduler.run_due()
        await clock.advance(timedelta(minutes=2))
    await scheduler.run_due()
    job = await scheduler.get("k")
    assert calls == [1, 2, 3] and job is not None and job.status == "failed" and "nope" in (job.error or "")
    await scheduler.stop()
    await db.close()


async def test_unreachable_database_is_one_clear_line() -> None:
    with pytest.raises(StorageError) as info:
        await Database.open("postgresql+asyncpg://steward:hunter2@127.0.0.1:1/steward")
    message = str(info.value)
    assert "hunter2" not in message and "steward:***@127.0.0.1:1/steward" in message
    assert "\n" not in message


async def test_unwritable_sqlite_path_is_clear(tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="can't open database"):
        await Database.open(f"sqlite+aiosqlite:///{blocker}/sub/steward.db")


def test_mask_url() -> None:
    assert mask_url("postgresql+asyncpg://u:p@h/db") == "postgresql+asyncpg://u:***@h/db"


async def test_batch_writer_keeps_its_rows_while_the_database_is_busy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import sqlite3

    from sqlalchemy import event

    path = tmp_path / "busy.db"
    db = await Database.open(f"sqlite+aiosqlite:///{path}")
    # the writer's connections give up on a lock at once instead of after the usual ten seconds
    event.listen(db.engine.sync_engine, "connect", lambda conn, _record: conn.cursor().execute("PRAGMA busy_timeout=1"))
    await db.engine.dispose()
    async with db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's one write lock
    writer = BatchWriter(db, activity, max_batch=50, max_delay=0.01)
    writer.start()
    for i in range(120):
        writer.submit({"member": f"m{i % 7}", "n": i})
    for _ in range(3000):  # until it has tried, been refused as busy, and tried again a few times
        if writer.busy >= 5:
            break
        await asyncio.sleep(0.01)
    assert writer.busy >= 5 and writer.dropped == 0 and writer.written == 0
    other.execute("COMMIT")
    other.close()
    await writer.flush()
    await writer.close()
    async with db.engine.connect() as conn:
        total = (await conn.execute(select(func.sum(activity.c.n)))).scalar_one()
    assert writer.written == 120 and writer.dropped == 0 and total == sum(range(120))
    await db.close()
