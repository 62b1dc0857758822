"""Effects performed while a job runs join that job's transaction.

A job handler's database writes commit together with the job's ``done``; an action it performs
is staged in the same session, so it goes out once after that commit, and a re-run after a
crash stages the same keys (the job's key and the effect's place in it), which the outbox ignores.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class JobTransaction:
    """The session and key of the job running in this task."""

    session: AsyncSession
    key: str
    count: int = 0
    closed: bool = False

    def next_key(self) -> str:
        """The idempotency key of the job's next effect."""
        self.count += 1
        return f"{self.key}:effect:{self.count}"


class JobEffects:
    """Which job, if any, the current task is running (one per runtime)."""

    def __init__(self) -> None:
        self._current: ContextVar[JobTransaction | None] = ContextVar(f"steward-job-{id(self)}", default=None)

    @contextmanager
    def running(self, session: AsyncSession, key: str) -> Iterator[JobTransaction]:
        """Mark the job as running in this task (and in tasks it starts) until the block ends."""
        job = JobTransaction(session, key)
        token = self._current.set(job)
        try:
            yield job
        finally:
            job.closed = True  # a task the job started and that outlives it no longer joins it
            self._current.reset(token)

    def current(self) -> JobTransaction | None:
        """The job whose transaction an effect joins now, or None."""
        job = self._current.get()
        return None if job is None or job.closed else job
