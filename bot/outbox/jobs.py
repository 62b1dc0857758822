"""Effects performed while a job runs join that job's transaction.

A job handler's database writes commit together with the job's ``done``; an action it performs
is staged in the same session, so it goes out once after that commit, and a re-run after a
crash stages the same keys (the job's key and the effect's place in it), which the outbox ignores.
A cog's own ``ctx.effect(session, ...)`` joins its session the same way, under the key it names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class JobTransaction:
    """The session and key of the job (or the named effect) running in this task."""

    session: AsyncSession
    key: str
    count: int = 0
    closed: bool = False
    named: bool = False  # the first effect is the one the caller named: it takes the key itself
    deliver_by: datetime | None = None
    after: str | None = None  # the named effect follows this key (bot.outbox.chain), in this mode
    if_not: str | None = None

    def next_key(self) -> str:
        """The idempotency key of the next effect (a fallback's mod-log note follows the one it is about)."""
        self.count += 1
        return self.key if self.named and self.count == 1 else f"{self.key}:effect:{self.count}"


class JobEffects:
    """Which job, if any, the current task is running (one per runtime)."""

    def __init__(self) -> None:
        self._current: ContextVar[JobTransaction | None] = ContextVar(f"steward-job-{id(self)}", default=None)

    @contextmanager
    def running(self, session: AsyncSession, key: str) -> Iterator[JobTransaction]:
        """Mark the job as running in this task (and in tasks it starts) until the block ends."""
        with self._joined(JobTransaction(session, key)) as job:
            yield job

    @contextmanager
    def named(self, session: AsyncSession, key: str, deliver_by: datetime | None = None, *,
              after: str | None = None, if_not: str | None = None) -> Iterator[JobTransaction]:
        """Join ``session`` for one effect named ``key`` (and what the gate adds to it) until the block ends."""
        with self._joined(JobTransaction(session, key, named=True, deliver_by=deliver_by, after=after,
                                         if_not=if_not)) as job:
            yield job

    @contextmanager
    def _joined(self, job: JobTransaction) -> Iterator[JobTransaction]:
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
