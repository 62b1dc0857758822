"""The ``core_jobs`` table and a job as stored: the scheduler's rows (see :mod:`bot.scheduler`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Text

from bot.clock import utc
from bot.storage.base import UTCDateTime

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
