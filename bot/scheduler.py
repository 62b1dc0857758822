"""Scheduled work: the ``core_jobs`` table is the truth, APScheduler only the alarm clock.

Life of a job: ``pending`` -> ``running`` (claimed by one runner) -> ``done`` / ``failed`` /
``skipped`` (came due longer than the grace ago) / ``cancelled`` (superseded by a manual act).
The handler's database writes go through ``run.session`` and commit in the same transaction
that marks the job done, so they happen exactly once; effects outside the database are
at-least-once and carry ``run.key`` as their idempotency key. A job left ``running`` by a
process that died is run again at start (attempt + 1).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import ColumnElement, event, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, utc
from bot.job_rows import CANCELLED, DONE, FAILED, PENDING, RUNNING, SKIPPED, JobInfo, info_of, jobs, write_job
from bot.lease import Lease
from bot.storage.database import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LATE_AFTER = timedelta(seconds=60)
BATCH = 200


@dataclass(frozen=True, slots=True)
class JobRun:
    """One run of a job, handed to its handler."""

    id: int
    key: str
    kind: str
    community: str | None
    payload: dict[str, Any]
    due_at: datetime
    late: bool
    attempt: int
    session: AsyncSession

    @property
    def idempotency_key(self) -> str:
        """The key deliveries outside the database should be de-duplicated by."""
        return f"job:{self.key}"


JobHandler = Callable[[JobRun], Awaitable[None]]


class Scheduler:
    """Schedules, cancels and runs jobs; only the leader process runs them."""

    def __init__(self, db: Database, clock: Clock, *, late_grace: timedelta = timedelta(hours=6),
                 runner_id: str | None = None, poll_interval: float = 5.0, concurrency: int = 8) -> None:
        self.db = db
        self.clock = clock
        self.late_grace = late_grace
        self.runner_id = runner_id or uuid.uuid4().hex[:16]
        # The alarm covers jobs this process schedules; the poll catches jobs other processes add.
        self.poll_interval = poll_interval
        # Jobs of one batch run side by side; 1 keeps their order (the console and tests).
        self.concurrency = max(1, concurrency)
        self._handlers: dict[str, JobHandler] = {}
        self._aps: AsyncIOScheduler | None = None
        self._lock = asyncio.Lock()
        self._started = False
        self._leader = False
        self._lease, self._lease_checked = Lease(db), 0.0
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._arming: set[asyncio.Task[None]] = set()
        self.ran = 0
        # Several processes (bot.partitions): (communities pinned to this process, pinned to others).
        # The leader runs every job but those pinned elsewhere; a follower runs those pinned here,
        # so a community's timers run beside its events and its in-memory state. None: the leader runs all.
        self.placement: Callable[[], tuple[frozenset[str], frozenset[str]]] | None = None
        # The runner ids of live processes: a job left running by anyone else is re-queued at start.
        self.live_runners: Callable[[], Awaitable[set[str]]] | None = None

    def _scope(self) -> ColumnElement[bool] | None:
        """Which jobs this process runs (None: all of them)."""
        if self.placement is None:
            return None if self._leader else false()
        here, elsewhere = self.placement()
        if self._leader:
            return or_(jobs.c.community.is_(None), jobs.c.community.not_in(elsewhere)) if elsewhere else None
        return jobs.c.community.in_(here) if here else false()

    @property
    def runs_jobs(self) -> bool:
        """Whether this process runs any timers: the leader, or a follower with communities pinned to it."""
        return self._leader or (self.placement is not None and bool(self.placement()[0]))

    def register(self, kind: str, handler: JobHandler) -> None:
        """Route jobs of ``kind`` to ``handler`` (replacing any earlier one, e.g. on reload)."""
        self._handlers[kind] = handler

    async def schedule(self, kind: str, due_at: datetime, payload: dict[str, Any] | None = None, *,
                       key: str | None = None, community: str | None = None,
                       grace: timedelta | None = None, session: AsyncSession | None = None) -> int:
        """Add a job (or move a still-pending job with the same key); returns its id.

        With ``session`` the job is written in that transaction (a tempban's end with the case that
        bans): it exists exactly when what it ends does, and the timer is re-armed once that commits.
        """
        key = key or f"{kind}:{uuid.uuid4().hex}"
        row = {"key": key, "kind": kind, "community": community, "payload": payload or {},
               "due_at": utc(due_at), "status": PENDING, "attempts": 0, "late": False,
               "grace_seconds": None if grace is None else int(grace.total_seconds()), "created_at": self.clock.now()}
        if session is not None:
            job_id = await write_job(session, key, row, community)
            if not session.info.get("scheduler_arms"):  # once per transaction, however many jobs it books
                session.info["scheduler_arms"] = True
                event.listen(session.sync_session, "after_commit", self._arm_after_commit, once=True)
            return job_id
        async with self.db.session() as own, own.begin():
            job_id = await write_job(own, key, row, community)
        await self._arm()
        return job_id

    def _arm_after_commit(self, sync_session: Any) -> None:
        sync_session.info.pop("scheduler_arms", None)
        task = asyncio.get_running_loop().create_task(self._arm())
        self._arming.add(task)  # held until it ends: a task nobody references may vanish
        task.add_done_callback(self._arming.discard)

    async def schedule_many(self, items: list[tuple[str, datetime, dict[str, Any], str]], *,
                            community: str | None = None) -> int:
        """Insert many new jobs ``(kind, due_at, payload, key)`` in one statement; returns the count."""
        now = self.clock.now()
        rows = [{"key": key, "kind": kind, "community": community, "payload": payload, "due_at": utc(due),
                 "status": PENDING, "attempts": 0, "late": False, "grace_seconds": None, "created_at": now}
                for kind, due, payload, key in items]
        async with self.db.session() as session, session.begin():
            for start in range(0, len(rows), 5000):
                await session.execute(jobs.insert(), rows[start:start + 5000])
        await self._arm()
        return len(rows)

    async def cancel(self, key: str) -> bool:
        """Cancel a pending job; True when one was cancelled (a manual act supersedes it)."""
        async with self.db.session() as session, session.begin():
            result = await session.execute(update(jobs).where(jobs.c.key == key, jobs.c.status == PENDING)
                                           .values(status=CANCELLED, finished_at=self.clock.now()))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, key: str) -> JobInfo | None:
        """A job by key."""
        async with self.db.session() as session:
            row = (await session.execute(select(jobs).where(jobs.c.key == key))).first()
        return None if row is None else info_of(row)

    async def pending(self, kind: str | None = None, community: str | None = None) -> list[JobInfo]:
        """Pending jobs, soonest first."""
        query = select(jobs).where(jobs.c.status == PENDING).order_by(jobs.c.due_at)
        if kind:
            query = query.where(jobs.c.kind == kind)
        if community:
            query = query.where(jobs.c.community == community)
        async with self.db.session() as session:
            return [info_of(r) for r in (await session.execute(query)).all()]

    async def start(self) -> None:
        """Take the lease, recover jobs of dead runners, run overdue work, arm the timer."""
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.start()
        self._started = True
        self._wake = asyncio.Event()
        self._worker = asyncio.create_task(self._work(), name="scheduler")
        # APScheduler only rings: the work runs in our own task, so a shutdown never cancels a
        # batch half-way through a database call.
        self._aps.add_job(self._ring, "interval", seconds=self.poll_interval, id="poll",
                          max_instances=1, coalesce=True)
        self._leader = await self._take_lease()
        if not self.runs_jobs:
            log.info("scheduler: another process is the leader; this one runs no timers")
            return
        if not self._leader:
            log.info("scheduler: another process is the leader; this one runs the timers of its own communities")
        await self.recover_and_run()

    async def recover_and_run(self) -> None:
        """Re-queue jobs a dead process left running, then run everything overdue."""
        query = update(jobs).where(jobs.c.status == RUNNING)
        if self.live_runners is not None:  # not the jobs a live process is running right now
            live = await self.live_runners() - {self.runner_id}
            if live:
                query = query.where(or_(jobs.c.runner.is_(None), jobs.c.runner.not_in(live)))
        async with self.db.session() as session, session.begin():
            result = await session.execute(query.values(status=PENDING, runner=None))
            recovered = result.rowcount  # type: ignore[attr-defined]
        if recovered:
            log.warning("scheduler: %d job(s) were interrupted by a stop and will run again", recovered)
        await self.run_due(startup=True)

    async def stop(self) -> None:
        """Stop the timer and let a batch in flight finish (pending jobs stay in the database)."""
        self._started = False
        self._leader = False  # run_due stops at the next batch boundary
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        if self._worker is not None:
            self._wake.set()
            await self._worker
            self._worker = None
        async with self._lock:  # a run_due called directly (a clock move) ends before storage closes
            pass
        await self._release_lease()

    async def _ring(self) -> None:
        self._wake.set()

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._started:
                return
            try:
                await self._retry_lease()
                if self.runs_jobs:
                    await self.run_due()
            except Exception:
                log.exception("scheduler: a timer run failed; the next poll tries again")

    async def next_due(self) -> datetime | None:
        """When the earliest pending job is due (None when there is none, or not the leader)."""
        if not self.runs_jobs:
            return None
        async with self.db.session() as session:
            due = (await session.execute(self._where(select(func.min(jobs.c.due_at)).where(
                jobs.c.status == PENDING)))).scalar()
        return None if due is None else utc(due)

    async def run_due(self, *, startup: bool = False) -> int:
        """Run every job that is due now; returns how many were taken (run or skipped)."""
        if not self.runs_jobs:
            return 0
        count = 0
        async with self._lock:
            while self._started or self._leader:  # stop() ends the loop between batches
                taken, runnable = await self._claim(self.clock.now(), startup=startup)
                if not taken:
                    break
                count += taken
                if self.concurrency == 1:
                    for row, late in runnable:
                        await self._execute(row, late)
                else:
                    gate = asyncio.Semaphore(self.concurrency)
                    await asyncio.gather(*(self._gated(gate, row, late) for row, late in runnable))
                await asyncio.sleep(0)  # let the event loop breathe between batches
        await self._arm()
        return count

    async def _gated(self, gate: asyncio.Semaphore, row: Any, late: bool) -> None:
        async with gate:
            await self._execute(row, late)

    async def _claim(self, now: datetime, *, startup: bool) -> tuple[int, list[tuple[Any, bool]]]:
        """Mark one batch of due jobs running (or skipped past their grace) in one transaction."""
        async with self.db.session() as session, session.begin():
            rows = (await session.execute(self._where(
                select(jobs).where(jobs.c.status == PENDING, jobs.c.due_at <= now))
                .order_by(jobs.c.due_at, jobs.c.id).limit(BATCH)
                .with_for_update(skip_locked=True))).all()  # two runners never claim one job
            runnable: list[tuple[Any, bool]] = []
            for row in rows:
                delay = now - utc(row.due_at)
                grace = timedelta(seconds=row.grace_seconds) if row.grace_seconds is not None else self.late_grace
                if delay > grace:
                    await session.execute(update(jobs).where(jobs.c.id == row.id).values(
                        status=SKIPPED, finished_at=now, attempts=jobs.c.attempts + 1, late=True,
                        error=f"came due {delay} ago, past the grace of {grace}"))
                    log.warning("scheduler: skipped %s (%s late)", row.key, delay)
                else:
                    runnable.append((row, startup or delay > LATE_AFTER))
            for late in (True, False):
                ids = [row.id for row, is_late in runnable if is_late is late]
                if ids:
                    await session.execute(update(jobs).where(jobs.c.id.in_(ids), jobs.c.status == PENDING).values(
                        status=RUNNING, runner=self.runner_id, started_at=now, late=late,
                        attempts=jobs.c.attempts + 1))
        return len(rows), runnable

    async def _execute(self, row: Any, late: bool) -> None:
        """Run a claimed job; its handler's writes commit together with ``done``."""
        handler = self._handlers.get(row.kind)
        if handler is None:
            await self._finish(row.id, FAILED, f"no handler for job kind {row.kind!r}")
            log.error("scheduler: no handler for %s", row.kind)
            return
        async with self.db.session() as session:
            run = JobRun(id=row.id, key=row.key, kind=row.kind, community=row.community,
                         payload=dict(row.payload or {}), due_at=utc(row.due_at), late=late,
                         attempt=int(row.attempts) + 1, session=session)
            try:
                await handler(run)
                await session.execute(update(jobs).where(jobs.c.id == row.id, jobs.c.status == RUNNING,
                                                         jobs.c.runner == self.runner_id)
                                      .values(status=DONE, finished_at=self.clock.now()))
                await session.commit()
                self.ran += 1
            except Exception as exc:
                await session.rollback()
                log.exception("scheduler: job %s failed", row.key)
                if run.attempt < MAX_ATTEMPTS:
                    await self._retry(row.id, run.attempt, str(exc))
                else:
                    await self._finish(row.id, FAILED, f"{type(exc).__name__}: {exc}")

    async def _retry(self, job_id: int, attempt: int, error: str) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(update(jobs).where(jobs.c.id == job_id).values(
                status=PENDING, runner=None, error=error,
                due_at=self.clock.now() + timedelta(seconds=30 * attempt)))

    async def _finish(self, job_id: int, status: str, error: str | None = None) -> None:
        async with self.db.session() as session, session.begin():
            await session.execute(update(jobs).where(jobs.c.id == job_id).values(
                status=status, error=error, finished_at=self.clock.now()))

    async def _arm(self) -> None:
        """Point the single APScheduler alarm at the next due job."""
        if self._aps is None or not self.runs_jobs:
            return
        async with self.db.session() as session:
            nxt = (await session.execute(self._where(select(func.min(jobs.c.due_at)).where(
                jobs.c.status == PENDING)))).scalar()
        if (aps := self._aps) is None or nxt is None:  # stop() may have shut the timer during the query
            if aps is not None and aps.get_job("alarm"):
                aps.remove_job("alarm")
            return
        wait = max((utc(nxt) - self.clock.now()).total_seconds(), 0.0)
        run_date = datetime.now(UTC) + timedelta(seconds=min(wait, 86400.0) + 0.001)
        aps.add_job(self._ring, DateTrigger(run_date=run_date), id="alarm", replace_existing=True,
                          misfire_grace_time=None, coalesce=True)

    def _where(self, query: Any) -> Any:  # the jobs this process runs
        scope = self._scope()
        return query if scope is None else query.where(scope)

    async def lag(self) -> float | None:
        """Seconds the oldest due job here has waited (0: none due; None: this process runs no timers)."""
        if not self.runs_jobs:
            return None
        async with self.db.session() as session:
            due = (await session.execute(self._where(select(func.min(jobs.c.due_at)).where(
                jobs.c.status == PENDING, jobs.c.due_at <= self.clock.now())))).scalar()
        return 0.0 if due is None else max((self.clock.now() - utc(due)).total_seconds(), 0.0)

    async def _take_lease(self) -> bool:
        """Become the leader (always on SQLite; else the advisory lock of :mod:`bot.lease`)."""
        return await self._lease.take()

    async def _release_lease(self) -> None:
        await self._lease.release()

    async def _retry_lease(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._leader and now - self._lease_checked >= self.poll_interval:  # once a poll, not per alarm
            self._lease_checked = now
            if await self._lease.held():  # a PostgreSQL restart takes the lock away with the connection
                return
            self._leader = False
            log.warning("scheduler: lost the leader lease with its connection; competing for it again")
        if self._leader or not await self._take_lease():
            return
        self._leader = True
        log.info("scheduler: took over as leader")
        await self.recover_and_run()
