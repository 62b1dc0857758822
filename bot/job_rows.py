"""The ``core_jobs`` table and a job as stored: the scheduler's rows (see :mod:`bot.scheduler`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Text, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import utc
from bot.storage.base import UTCDateTime

PENDING, RUNNING, DONE, FAILED, SKIPPED, CANCELLED = (
    "pending", "running", "done", "failed", "skipped", "cancelled")

_meta = MetaData()
jobs = Table(
    "core_jobs", _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(100), nullable=False),
    Column("community", String(40)),
    Column("payload", JSON, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("late", Boolean, nullable=False, default=False),
    Column("grace_seconds", Integer),
    Column("runner", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Column("error", Text),
)


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A job as stored."""

    id: int
    key: str
    kind: str
    community: str | None
    payload: dict[str, Any]
    due_at: datetime
    status: str
    attempts: int
    late: bool
    error: str | None


def info_of(row: Any) -> JobInfo:
    return JobInfo(id=row.id, key=row.key, kind=row.kind, community=row.community,
                   payload=dict(row.payload or {}), due_at=utc(row.due_at), status=row.status,
                   attempts=row.attempts, late=bool(row.late), error=row.error)


# a new key's row in one statement (a wave's timeouts each book their end): built once per dialect
_INSERTS = {"postgresql": pg_insert(jobs).on_conflict_do_nothing(index_elements=["key"]).returning(jobs.c.id),
            "sqlite": sqlite_insert(jobs).on_conflict_do_nothing(index_elements=["key"]).returning(jobs.c.id)}


async def write_job(session: AsyncSession, key: str, row: dict[str, Any], community: str | None) -> int:
    """Insert or move the job in ``session`` (not committed here)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    inserted = (await session.execute(_INSERTS["postgresql" if dialect == "postgresql" else "sqlite"],
                                      row)).scalar()
    if inserted is not None:
        return int(inserted)
    existing = (await session.execute(select(jobs.c.id, jobs.c.status).where(jobs.c.key == key))).first()
    if existing is None:  # gone again since (a cancelled job deleted): insert it as before
        try:
            async with session.begin_nested():
                result = await session.execute(jobs.insert().values(**row))
            job_id = int(result.inserted_primary_key[0])  # type: ignore[attr-defined]
        except IntegrityError:  # raced with another writer of the same key
            existing = (await session.execute(
                select(jobs.c.id, jobs.c.status).where(jobs.c.key == key))).one()
    if existing is not None and existing.status == CANCELLED:
        # a cancelled job never ran: its key is free again (/raid on, off, on in quick succession)
        job_id = int(existing.id)
        await session.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == CANCELLED).values(
            **{k: v for k, v in row.items() if k != "key"}, runner=None, started_at=None, finished_at=None,
            error=None))
        existing = None
    elif existing is not None:
        job_id = int(existing.id)
        if existing.status != PENDING:
            raise ValueError(f"job {key!r} already exists with status {existing.status}")
        await session.execute(update(jobs).where(jobs.c.id == job_id).values(
            due_at=row["due_at"], payload=row["payload"], community=community,
            grace_seconds=row["grace_seconds"]))
    return job_id


NEVER_TOO_LATE = timedelta(days=3650)  # a job's grace when it is to run however late Steward comes back


async def add_job(session: AsyncSession, kind: str, due_at: datetime, payload: dict[str, Any], *, key: str,
                  community: str | None, now: datetime, grace: timedelta | None = None) -> bool:
    """Insert a pending job in ``session``'s transaction unless one with ``key`` exists (whatever its status);
    True when inserted. For jobs a running job books in its own transaction: the scheduler's alarm is set
    for them when that job's batch ends."""
    if (await session.execute(select(jobs.c.id).where(jobs.c.key == key))).first() is not None:
        return False
    await session.execute(jobs.insert().values(
        key=key, kind=kind, community=community, payload=payload, due_at=utc(due_at), status=PENDING, attempts=0,
        late=False, grace_seconds=None if grace is None else int(grace.total_seconds()), created_at=now))
    return True
