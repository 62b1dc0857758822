"""The outbox: durable entries, one sender per platform, pacing, lanes, retries, and reports.

An entry is written (``stage``) in the transaction of the state change that causes it and is
picked up once that transaction commits. A sender hands it to its adapter when its channel's
pacer allows, marks it ``sending`` first (so a restart knows it may have reached the platform)
and ``done`` when the platform confirms it. Rate limits and server errors are retried, honouring
Retry-After and global limits, until the entry succeeds, fails for good or stops being worth
sending (:mod:`bot.outbox.rules`); what was not delivered is summarised in the mod log once.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import QUEUED, Action, ActionResult
from bot.actions import UNSURE as UNSURE_CODE
from bot.clock import Clock, ManualClock, utc
from bot.outbox import rules
from bot.outbox.calls import DONE_RECHECK, UNKNOWN, Platform, recheck, send
from bot.outbox.codec import CodecError, decode, encode
from bot.outbox.pacer import Pacer
from bot.outbox.report import REPORT_PREFIX, report_undelivered
from bot.outbox.table import DONE, EXPIRED, FAILED, PENDING, SENDING, UNDELIVERED, UNSURE, outbox
from bot.refs import ChannelRef, MessageRef
from bot.storage.database import Database

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0


ModlogOf = Callable[[str | None, str], ChannelRef | None]
Observer = Callable[[str, "Entry"], None]


@dataclass(eq=False)
class Entry:
    """An entry the sender holds in memory."""

    key: str
    community: str | None
    platform: str
    lane: str
    channel: str
    action: Action
    not_before: datetime
    expires_at: datetime | None
    attempts: int = 0
    recheck: bool = False  # found ``sending`` at start: it may already have reached the platform
    seq: int = 0
    done: asyncio.Future[ActionResult] | None = field(default=None, repr=False)
    inserted: bool = True  # False when an entry with this key already existed


class Outbox:
    """Every outgoing effect, delivered once per idempotency key."""

    def __init__(self, clock: Clock, adapters: Mapping[str, Platform], *, modlog_of: ModlogOf,
                 intervals: Mapping[str, float] | None = None, concurrency: int = 8) -> None:
        self.clock = clock
        self.adapters = adapters
        self.modlog_of = modlog_of
        self.concurrency = max(1, concurrency)
        self.db: Database | None = None
        self.observers: list[Observer] = []  # ("staged" | "sending" | "sent" | "finished", entry)
        self.pacers = {p: Pacer(clock, (intervals or {}).get(p, 0.0)) for p in adapters}
        self._entries: dict[str, dict[str, Entry]] = {p: {} for p in adapters}
        self._inflight: dict[str, dict[str, asyncio.Task[None]]] = {p: {} for p in adapters}
        self._wake: dict[str, asyncio.Event] = {p: asyncio.Event() for p in adapters}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._waiters: dict[str, asyncio.Future[ActionResult]] = {}
        self._unreported: set[str | None] = set()
        self._seq = itertools.count()
        self._running = False
        self._writing = asyncio.Lock()
        self.sent = 0
        # Several processes (set by bot.processes): an entry goes out from the process that staged it, or,
        # once that one died, from the one that takes it over
        self.owner: str | None = None
        self.live: Callable[[], Awaitable[set[str]]] | None = None

    # -- life cycle -------------------------------------------------------------------------

    async def start(self, db: Database) -> None:
        """Load what a previous run left undelivered and start one sender per platform."""
        self.db = db
        async with db.session() as session:
            unreported = (await session.execute(select(outbox.c.community).distinct().where(
                outbox.c.status.in_(UNDELIVERED), outbox.c.reported == 0))).scalars().all()
        self._unreported.update(unreported)
        rows = await self._take_over()
        await self._load(rows)
        if rows:
            log.info("outbox: %d entr(y/ies) from before the restart to deliver", len(rows))
        self._running = True
        if isinstance(self.clock, ManualClock):
            self.clock.subscribe(self._clock_moved)
        for platform in self.adapters:
            self._workers[platform] = asyncio.create_task(self._run(platform), name=f"outbox-{platform}")

    async def _take_over(self) -> list[Any]:
        """The undelivered entries to deliver here: all (one process), or those of no live process, claimed."""
        assert self.db is not None
        waiting = outbox.c.status.in_((PENDING, SENDING))
        async with self.db.session() as session, session.begin():
            if self.live is None:
                return list((await session.execute(select(outbox).where(waiting).order_by(outbox.c.id))).all())
            live = await self.live() | ({self.owner} if self.owner else set())
            orphaned = or_(outbox.c.owner.is_(None), outbox.c.owner.not_in(live))
            claimed = (await session.execute(update(outbox).where(waiting, orphaned).values(owner=self.owner)
                                             .returning(outbox.c.id))).scalars().all()
            if not claimed:
                return []
            return list((await session.execute(select(outbox).where(outbox.c.id.in_(claimed))
                                               .order_by(outbox.c.id))).all())

    async def adopt(self) -> int:
        """Take over what processes that died left undelivered (the leader calls this now and then)."""
        rows = await self._take_over()
        await self._load(rows)
        if rows:
            log.warning("outbox: took over %d entr(y/ies) a stopped process left undelivered", len(rows))
            for platform in {row.platform for row in rows if row.platform in self._wake}:
                self._wake[platform].set()
        return len(rows)

    async def _load(self, rows: list[Any]) -> None:
        for row in rows:
            if row.platform not in self.adapters:
                continue  # a platform not running now: its entries wait for it
            try:
                action = decode(row.action)
            except (CodecError, TypeError) as exc:
                await self._finish_row(row.key, FAILED, f"unreadable entry: {exc}")
                continue
            entry = Entry(row.key, row.community, row.platform, row.lane, row.channel, action,
                          utc(row.not_before), row.expires_at and utc(row.expires_at), int(row.attempts),
                          recheck=row.status == SENDING, seq=next(self._seq))
            self._entries[row.platform].setdefault(entry.key, entry)

    @property
    def running(self) -> bool:
        """Whether the senders run (between :meth:`start` and :meth:`stop`)."""
        return self._running

    async def stop(self) -> None:
        """Let sends in flight finish; what is still pending stays in the database."""
        self._running = False
        for wake in self._wake.values():
            wake.set()
        for worker in self._workers.values():
            await worker
        self._workers.clear()
        for tasks in self._inflight.values():
            if tasks:
                await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def _clock_moved(self) -> None:
        self.wake()

    def wake(self) -> None:
        """Look again (the clock moved, an entry was added)."""
        for wake in self._wake.values():
            wake.set()

    async def settle(self) -> None:
        """Wait until nothing is in flight and nothing is ready to go now (tests, the console)."""
        while True:
            busy = [t for tasks in self._inflight.values() for t in tasks.values()]
            if busy:
                await asyncio.gather(*busy, return_exceptions=True)
                continue
            if not any(self._ready_now(p) for p in self.adapters) and not self._report_due():
                return
            self.wake()
            await asyncio.sleep(0)

    # -- writing entries --------------------------------------------------------------------

    async def stage(self, session: AsyncSession, action: Action, *, community: str | None,
                    key: str | None = None, deliver_by: datetime | None = None,
                    done: asyncio.Future[ActionResult] | None = None) -> Entry:
        """Write an entry in ``session``'s transaction; it goes out once that commits.

        The same key twice is one entry: the second stage is ignored by the database.
        """
        assert self.db is not None, "the outbox is not started"
        now = self.clock.now()
        modlog = self.modlog_of(community, action.platform)
        lane = rules.lane_of(action, modlog)
        entry = Entry(key or f"auto:{uuid.uuid4().hex}", community, action.platform, lane,
                      rules.channel_of(action), action, now, rules.expiry(lane, now, deliver_by),
                      seq=next(self._seq), done=done)
        insert = pg_insert(outbox) if self.db.dialect == "postgresql" else sqlite_insert(outbox)
        result = await session.execute(insert.values(
            key=entry.key, community=community, platform=entry.platform, lane=lane, channel=entry.channel,
            action=encode(action), status=PENDING, attempts=0, not_before=now, expires_at=entry.expires_at,
            created_at=now, reported=0, owner=self.owner).on_conflict_do_nothing(index_elements=["key"]))
        entry.inserted = bool(result.rowcount)  # type: ignore[attr-defined]
        if entry.inserted:
            staged: list[Entry] = session.info.setdefault("outbox", [])
            if not staged:
                event.listen(session.sync_session, "after_commit", self._committed, once=True)
                event.listen(session.sync_session, "after_soft_rollback", _forget, once=True)
            staged.append(entry)
        self._observe("staged", entry)
        return entry

    def _committed(self, sync_session: Any) -> None:
        for entry in sync_session.info.pop("outbox", []):
            if entry.platform in self._entries:
                self._entries[entry.platform][entry.key] = entry
                self._wake[entry.platform].set()

    async def perform(self, action: Action, community: str | None, *, key: str | None = None) -> ActionResult:
        """Stage and commit an entry, then wait for the platform's answer.

        Where the entry can't go at once (its channel is rate-limited, paced, or already has
        entries waiting, as in a storm on the mod log), it stays queued and the caller gets a
        ``queued`` result at once: no handler, and so no answer, waits behind a storm.
        """
        assert self.db is not None, "the outbox is not started"
        done: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        async with self.db.session() as session, session.begin():
            entry = await self.stage(session, action, community=community, key=key, done=done)
        if not entry.inserted:
            return ActionResult(action, True, code=QUEUED)  # this key was delivered or is queued already
        if done.done():
            return done.result()
        pacer = self.pacers[entry.platform]
        behind = any(e.channel == entry.channel and e is not entry for e in self._entries[entry.platform].values())
        if behind or not pacer.ready(entry.channel, rules.paced(action)):
            return ActionResult(action, True, code=QUEUED)
        return await done

    # -- sending ----------------------------------------------------------------------------

    def _ready_now(self, platform: str) -> list[Entry]:
        """The first entry (by lane, then age) of each idle channel whose time has come."""
        now, pacer = self.clock.now(), self.pacers[platform]
        busy = {x.channel for x in self._busy(platform)}
        best: dict[str, Entry] = {}
        for e in self._entries[platform].values():  # one pass; the pacer is asked once per channel
            if e.channel in busy or e.not_before > now:
                continue
            held = best.get(e.channel)
            if held is None or (rules.LANES.index(e.lane), e.seq) < (rules.LANES.index(held.lane), held.seq):
                best[e.channel] = e
        ready = [e for e in best.values() if pacer.ready(e.channel, rules.paced(e.action))]
        ready.sort(key=lambda e: (rules.LANES.index(e.lane), e.seq))
        return ready

    def _busy(self, platform: str) -> list[Entry]:
        entries = self._entries[platform]
        return [entries[k] for k in self._inflight[platform] if k in entries]

    async def _run(self, platform: str) -> None:
        wake = self._wake[platform]
        while self._running:
            wake.clear()
            inflight = self._inflight[platform]
            channels = {e.channel for e in self._busy(platform)}
            for entry in self._ready_now(platform):
                if len(inflight) >= self.concurrency:
                    break
                if entry.channel in channels:
                    continue  # one send per channel at a time, so the pacer sees them in order
                channels.add(entry.channel)
                task = asyncio.create_task(self._attempt(entry))
                inflight[entry.key] = task
                task.add_done_callback(functools.partial(self._landed, platform, entry.key))
            if not inflight and self._report_due():  # tracked like a send, so settle() waits for it
                report = asyncio.create_task(self._report())
                inflight[REPORT_PREFIX] = report
                report.add_done_callback(functools.partial(self._landed, platform, REPORT_PREFIX))
            try:
                await asyncio.wait_for(wake.wait(), timeout=self._next_wait(platform))
            except TimeoutError:
                pass

    def _landed(self, platform: str, key: str, _task: asyncio.Task[None]) -> None:
        self._inflight[platform].pop(key, None)
        self._wake[platform].set()

    def _next_wait(self, platform: str) -> float:
        pacer, now = self.pacers[platform], self.clock.now()
        soonest: dict[str, datetime] = {}
        for e in self._entries[platform].values():
            soonest[e.channel] = min(soonest.get(e.channel, e.not_before), e.not_before)
        if not soonest:
            return 5.0
        first = min(max(at, pacer.ready_at(channel)) for channel, at in soonest.items())
        return min(max((first - now).total_seconds(), 0.001), 5.0)

    async def _attempt(self, entry: Entry) -> None:
        adapter = self.adapters[entry.platform]
        pacer = self.pacers[entry.platform]
        now = self.clock.now()
        if entry.expires_at is not None and now > entry.expires_at:
            await self._finish(entry, EXPIRED, f"not delivered by {entry.expires_at:%Y-%m-%d %H:%M} UTC; "
                                               "no longer worth sending")
            return
        if entry.recheck:
            found = await recheck(adapter, entry.action)
            entry.recheck = False
            if found == DONE_RECHECK:
                await self._finish(entry, DONE, None, result=ActionResult.success(entry.action))
                return
            if found == UNKNOWN and rules.seen_by_people(entry.action):
                # the platform can't tell whether it arrived: a repeat is worse than a gap
                await self._finish(entry, UNSURE, "may have been delivered just before a restart; "
                                                  "not repeated")
                return
        entry.attempts += 1
        await self._mark(entry, SENDING)
        pacer.started(entry.channel, rules.paced(entry.action))
        self._observe("sending", entry)
        result = await send(adapter, entry.action, entry.key)
        self._observe("sent", entry)
        if result.ok:
            self.sent += 1
            await self._finish(entry, DONE, None, result=result)
        elif result.code == UNSURE_CODE:
            await self._finish(entry, UNSURE, result.error, result=result)
        elif result.retry_after is not None or result.transient:
            wait = result.retry_after if result.retry_after is not None else min(2.0 ** entry.attempts,
                                                                                 MAX_BACKOFF)
            if result.retry_after is not None:
                pacer.hold(entry.channel, wait, everything=result.everything)
            entry.not_before = self.clock.now() + timedelta(seconds=wait)
            await self._mark(entry, PENDING, result.error)
            if entry.done is not None and not entry.done.done():  # the caller doesn't wait out a storm
                entry.done.set_result(ActionResult(entry.action, True, code=QUEUED))
            log.info("outbox: %s %s; again in %.1fs", entry.key, result.error, wait)
        else:
            await self._finish(entry, FAILED, result.error or result.code, result=result)
        pacer.forget(entry.channel)

    async def _mark(self, entry: Entry, status: str, error: str | None = None) -> None:
        assert self.db is not None
        # the senders' own writes go one at a time: SQLite has one writer, and eight small
        # transactions racing each other only wait on its lock
        async with self._writing, self.db.session() as session, session.begin():
            await session.execute(update(outbox).where(outbox.c.key == entry.key).values(
                status=status, attempts=entry.attempts, not_before=entry.not_before, error=error))

    async def _finish(self, entry: Entry, status: str, error: str | None, *,
                      result: ActionResult | None = None) -> None:
        message = result.message if result is not None else None
        await self._finish_row(entry.key, status, error, message)
        self._entries[entry.platform].pop(entry.key, None)
        if status != DONE:
            log.warning("outbox: %s %s: %s", entry.key, status, error)
            if not entry.key.startswith(REPORT_PREFIX):
                self._unreported.add(entry.community)
        if entry.done is not None and not entry.done.done():
            entry.done.set_result(result or ActionResult.failure(entry.action, error or status, status))
        self._observe("finished", entry)

    async def _finish_row(self, key: str, status: str, error: str | None,
                          message: MessageRef | None = None) -> None:
        assert self.db is not None
        async with self._writing, self.db.session() as session, session.begin():
            await session.execute(update(outbox).where(outbox.c.key == key).values(
                status=status, error=error, finished_at=self.clock.now(),
                result_channel=message.channel_id if message else None, result_message=message.id if message else None,
                reported=1 if status == DONE or key.startswith(REPORT_PREFIX) else 0))

    # -- reporting --------------------------------------------------------------------------

    def _report_due(self) -> bool:
        return bool(self._unreported)

    async def _report(self) -> None:
        """One mod-log post per community listing what was not delivered since the last one."""
        assert self.db is not None
        communities, self._unreported = self._unreported, set()
        for community in communities:
            await report_undelivered(self.db, community, self.modlog_of, self.stage, set(self.adapters))

    def _observe(self, step: str, entry: Entry) -> None:
        for observer in self.observers:
            observer(step, entry)


def _forget(sync_session: Any, _previous: Any) -> None:
    sync_session.info.pop("outbox", None)
