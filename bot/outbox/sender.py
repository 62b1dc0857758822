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
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import QUEUED, Action, ActionResult, SendDirect
from bot.actions import UNSURE as UNSURE_CODE
from bot.clock import Clock, ManualClock
from bot.delivery import direct_to_channel
from bot.outbox import chain, rules
from bot.outbox.calls import Platform, rechecked, send
from bot.outbox.coalesce import MARKING, Edits
from bot.outbox.codec import CodecError, encode
from bot.outbox.entry import Ended, Entry
from bot.outbox.following import answer_now
from bot.outbox.followup import ended_as
from bot.outbox.pacer import Pacer
from bot.outbox.queues import Queues
from bot.outbox.report import REPORT_PREFIX, report_undelivered, to_staff
from bot.outbox.table import DONE, EXPIRED, FAILED, PENDING, SENDING, UNDELIVERED, UNSURE, outbox, take_over
from bot.outbox.together import Staging
from bot.outbox.writes import GroupedWrites
from bot.refs import ChannelRef, MessageRef
from bot.storage.database import Database

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
# a DM the platform refused because of the member (DMs closed, or blocked): one with a ``fallback``
# channel goes there instead
DM_REFUSED = frozenset({"dm_closed", "forbidden"})


ModlogOf = Callable[[str | None, str], ChannelRef | None]
Observer = Callable[[str, "Entry"], None]
Landed = Callable[[str, MessageRef], Awaitable[None]]


class Outbox:
    """Every outgoing effect, delivered once per idempotency key."""

    def __init__(self, clock: Clock, adapters: Mapping[str, Platform], *, modlog_of: ModlogOf,
                 staff_of: ModlogOf | None = None, intervals: Mapping[str, float] | None = None,
                 edit_windows: Mapping[str, float] | None = None, concurrency: int = 8) -> None:
        self.clock = clock
        self.adapters = adapters
        self.modlog_of, self.staff_of = modlog_of, staff_of  # where reports go, and where the mod log can't
        self.concurrency = max(1, concurrency)
        self.db: Database | None = None
        self.observers: list[Observer] = []  # ("staged" | "sending" | "sent" | "finished", entry)
        self.pacers = {p: Pacer(clock, (intervals or {}).get(p, 0.0)) for p in adapters}
        self.queues = {p: Queues(clock, self.pacers[p]) for p in adapters}
        self.edits = Edits(clock, adapters, edit_windows)  # edits of one message coalesced (bot.outbox.coalesce)
        self._wake: dict[str, asyncio.Event] = {p: asyncio.Event() for p in adapters}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._unreported: set[str | None] = set()
        self._seq = itertools.count()
        self._running = False
        self.staging = Staging(self._committed)  # entries written in a transaction, sent once it commits
        self.writes = GroupedWrites()  # the senders' own row updates, sharing commits
        self.ended: Ended = Ended()  # how entries finished lately, for those that follow them
        self.landed: Landed | None = None  # told of each message a delivered entry made (its key, the message)
        self.sent = 0
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
        rows = await self._load()
        if rows: log.info("outbox: %d entr(y/ies) from before the restart to deliver", len(rows))  # noqa: E701
        self._running = True
        if isinstance(self.clock, ManualClock):
            self.clock.subscribe(self._clock_moved)
        for platform in self.adapters:
            self._workers[platform] = asyncio.create_task(self._run(platform), name=f"outbox-{platform}")

    async def adopt(self) -> None:
        """Take over what processes that died left undelivered (the leader calls this now and then; several
        processes set ``owner`` and ``live``: an entry goes out from its owner, or whoever takes it over)."""
        rows = await self._load()
        for platform in {row.platform for row in rows if row.platform in self._wake}:
            self._wake[platform].set()
    async def _load(self) -> list[Any]:
        live = None if self.live is None else await self.live() | ({self.owner} if self.owner else set())
        async with self.db.session() as session, session.begin():  # type: ignore[union-attr]
            rows = await take_over(session, live, self.owner)
        for row in rows:
            if row.platform not in self.adapters:
                continue  # a platform not running now: its entries wait for it
            try:
                self._hold(Entry.from_row(row, next(self._seq)))
            except (CodecError, TypeError) as exc:
                await self._finish_row(row.key, FAILED, f"unreadable entry: {exc}")
        return rows

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
        for tasks in (q.inflight for q in self.queues.values()):
            if tasks:
                await asyncio.gather(*tasks.values(), return_exceptions=True)
        for platform in self.adapters:
            await self.edits.mark(platform, self._write)
        await self.writes.settled()  # the ``done`` rows not waited for

    async def _clock_moved(self) -> None:
        self.wake()

    def wake(self) -> None:
        """Look again (the clock moved, an entry was added)."""
        for wake in self._wake.values():
            wake.set()

    async def settle(self) -> None:
        """Wait until nothing is in flight and nothing is ready to go now (tests, the console)."""
        while True:
            busy = [t for q in self.queues.values() for t in q.inflight.values()]
            if busy:
                await asyncio.gather(*busy, return_exceptions=True)
                continue
            if not any(q.ready_now() for q in self.queues.values()) and not self._unreported and \
                    not self.edits.any_waiting():
                return await self.writes.settled()
            self.wake()
            await asyncio.sleep(0)

    # -- writing entries --------------------------------------------------------------------

    async def stage(self, session: AsyncSession, action: Action, *, community: str | None,
                    key: str | None = None, deliver_by: datetime | None = None,
                    done: asyncio.Future[ActionResult] | None = None, after: str | None = None,
                    if_not: str | None = None) -> Entry:
        """Write an entry in ``session``'s transaction; it goes out once that commits (once ``after``
        has finished, when given: :mod:`bot.outbox.chain`).

        The same key twice is one entry (the database ignores the second); in :meth:`together`, written at its end.
        """
        assert self.db is not None, "the outbox is not started"
        now = self.clock.now()
        lane = rules.lane_of(action, self.modlog_of(community, action.platform))
        entry = Entry(key or f"auto:{uuid.uuid4().hex}", community, action.platform, lane,
                      rules.channel_of(action), action, now, rules.expiry(lane, now, deliver_by),
                      seq=next(self._seq), done=done, after=after, if_not=if_not)
        row = dict(key=entry.key, community=community, platform=entry.platform, lane=lane, channel=entry.channel,
                   action=encode(action), status=PENDING, attempts=0, not_before=now, expires_at=entry.expires_at,
                   created_at=now, reported=0, owner=self.owner, after=after, if_not=if_not)
        await self.staging.add(session, self.db.dialect, entry, row)
        self._observe("staged", entry)
        return entry

    def together(self, session: AsyncSession) -> AbstractAsyncContextManager[None]:
        """A block whose stages in ``session`` are written in one statement at its end (:mod:`.together`)."""
        assert self.db is not None, "the outbox is not started"
        return self.staging.together(session, self.db.dialect)

    def _committed(self, sync_session: Any) -> None:
        for entry in sync_session.info.pop("outbox", []):
            if entry.platform in self.queues:
                self._hold(entry)
                self._wake[entry.platform].set()

    def _hold(self, entry: Entry) -> None:
        for replaced in self.edits.hold(self.queues[entry.platform], entry):
            self._observe("replaced", replaced)

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
        return await done if self.queues[entry.platform].goes_now(entry) else ActionResult(action, True, code=QUEUED)

    async def result(self, key: str) -> ActionResult | None:
        """The platform's answer to a committed entry if it goes now (and what it follows does), else a
        ``queued`` result: nobody waits out a storm. None for a key never staged."""
        assert self.db is not None, "the outbox is not started"
        if not any(key in q.entries for q in self.queues.values()):
            await self.writes.settled()  # a ``done`` not committed yet
        return await answer_now(self.queues, self.db, key)

    async def withdraw(self, key: str, why: str) -> bool:
        """Take back an entry not yet going out (False when sent, sending or unknown); marked failed and
        reported: a decision (a relay of a deleted message), not a loss for the mod log."""
        entry = next((q.entries[key] for q in self.queues.values() if key in q.entries and key not in q.inflight), None)
        if entry is None:
            return False
        await self._drop(entry, f"withdrawn: {why}", "withdrawn")
        return True

    async def _drop(self, entry: Entry, why: str, code: str) -> None:
        """Take an entry out unsent, by decision (withdrawn, or a follower not needed): failed, not reported."""
        self.queues[entry.platform].remove(entry)
        await self._write(entry.key, status=FAILED, error=why, finished_at=self.clock.now(), reported=1)
        self.ended[entry.key] = (FAILED, why)
        if entry.done is not None and not entry.done.done():
            entry.done.set_result(ActionResult.failure(entry.action, why, code))
        self._observe("finished", entry)

    async def _followed(self, entry: Entry) -> bool:
        """A follower's turn (:mod:`bot.outbox.chain`): whether it goes, perhaps noting what was not done."""
        assert entry.after is not None and self.db is not None
        status, error = (None, None) if entry.if_not == chain.GO else (  # a ``go`` follower needn't know
            self.ended.get(entry.after) or await ended_as(self.db, entry.after))
        action, why = chain.follow(entry.action, entry.if_not, status, error)
        if action is None:
            await self._drop(entry, why, "dropped")
            return False
        entry.action, entry.after = action, None
        return True

    # -- sending ----------------------------------------------------------------------------
    async def _run(self, platform: str) -> None:
        wake, queues = self._wake[platform], self.queues[platform]
        while self._running:
            wake.clear()
            inflight = queues.inflight
            channels = {e.channel for e in queues.busy()}
            # only as many as there are free slots: the rest wait for one anyway, and looking at every
            # channel after every send made a backlog cost its square
            for entry in queues.first_ready(self.concurrency - len(inflight)):
                if len(inflight) >= self.concurrency:
                    break
                if entry.channel in channels:
                    continue  # one send per channel at a time, so the pacer sees them in order
                channels.add(entry.channel)
                self._track(platform, entry.key, self._attempt(entry))
            # marking replaced edits and reporting are tracked like sends, so settle() waits for them
            if self.edits.waiting(platform) and MARKING not in inflight:
                self._track(platform, MARKING, self.edits.mark(platform, self._write))
            if not inflight and self._unreported:
                self._track(platform, REPORT_PREFIX, self._report())
            # with every slot taken nothing can start before a send lands, and a landing wakes the sender
            timeout = 5.0 if len(inflight) >= self.concurrency else queues.next_wait()
            try:
                await asyncio.wait_for(wake.wait(), timeout=timeout)
            except TimeoutError:
                pass

    def _track(self, platform: str, key: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.queues[platform].inflight[key] = task
        task.add_done_callback(functools.partial(self._landed, platform, key))

    def _landed(self, platform: str, key: str, _task: asyncio.Task[None]) -> None:
        self.queues[platform].inflight.pop(key, None)
        self._wake[platform].set()

    async def _attempt(self, entry: Entry) -> None:
        adapter = self.adapters[entry.platform]
        pacer = self.pacers[entry.platform]
        now = self.clock.now()
        if entry.expires_at is not None and now > entry.expires_at:
            await self._finish(entry, EXPIRED, f"not delivered by {entry.expires_at:%Y-%m-%d %H:%M} UTC; "
                                               "no longer worth sending")
            return
        if entry.after is not None and not await self._followed(entry):
            return
        if entry.recheck:
            entry.recheck = False
            if (found := await rechecked(adapter, entry.action)) is not None:
                done = ActionResult.success(entry.action) if found[0] == DONE else None
                await self._finish(entry, *found, result=done)
                return
        if self.edits.waiting(entry.platform):  # what this edit makes obsolete is marked so before it goes
            await self.edits.mark(entry.platform, self._write)
        entry.attempts += 1
        await self._mark(entry, SENDING)
        pacer.started(entry.channel, rules.paced(entry.action))
        self.edits.started(entry)
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
        elif isinstance(entry.action, SendDirect) and entry.action.fallback is not None and result.code in DM_REFUSED:
            await self._to_fallback(entry, entry.action, entry.action.fallback, result.error or result.code)
        else:
            await self._finish(entry, FAILED, result.error or result.code, result=result)
        pacer.forget(entry.channel)

    async def _to_fallback(self, entry: Entry, dm: SendDirect, channel: ChannelRef, why: str) -> None:
        """A DM the member doesn't accept becomes, under the same key, a post in the channel it names,
        mentioning (and pinging) only them; it goes as soon as that channel allows."""
        post = direct_to_channel(dm, channel, dm.user.id)
        self.queues[entry.platform].remove(entry)
        entry.redirect(post, rules.lane_of(post, self.modlog_of(entry.community, entry.platform)), self.clock.now())
        await self._write(entry.key, action=encode(post), channel=entry.channel, lane=entry.lane, status=PENDING,
                          attempts=0, not_before=entry.not_before, error=f"DM refused ({why}); posted in the channel")
        self.queues[entry.platform].add(entry)
        log.info("outbox: %s: DM refused (%s); posting in the channel instead", entry.key, why)

    async def _mark(self, entry: Entry, status: str, error: str | None = None) -> None:
        await self._write(entry.key, status=status, attempts=entry.attempts, not_before=entry.not_before, error=error)

    async def _write(self, key: str, *, wait: bool = True, **values: Any) -> None:
        assert self.db is not None
        await self.writes.write(self.db, key, wait=wait, **values)

    async def _finish(self, entry: Entry, status: str, error: str | None, *,
                      result: ActionResult | None = None) -> None:
        message = result.message if result is not None else None
        await self._finish_row(entry.key, status, error, message)
        self.queues[entry.platform].remove(entry)
        self.ended[entry.key] = (status, error)
        if message is not None and self.landed is not None:
            try:  # where a case's mod-log post landed, say (a crash here: readers find it in the row)
                await self.landed(entry.key, message)
            except Exception:
                log.exception("outbox: recording where %s landed failed", entry.key)
        if status != DONE:
            log.warning("outbox: %s %s: %s", entry.key, status, error)
            if not entry.key.startswith(REPORT_PREFIX):
                self._unreported.add(entry.community)
            elif self.db is not None:  # the mod log refused the report itself: the staff channel hears it
                await to_staff(self.db, entry.key, entry.community, entry.action, error or status, self.staff_of,
                               self.stage)
        if entry.done is not None and not entry.done.done():
            entry.done.set_result(result or ActionResult.failure(entry.action, error or status, status))
        self._observe("finished", entry)

    async def _finish_row(self, key: str, status: str, error: str | None,
                          message: MessageRef | None = None) -> None:
        await self._write(key, wait=status != DONE, status=status, error=error, finished_at=self.clock.now(),
                          result_channel=message.channel_id if message else None,
                          result_message=message.id if message else None,
                          reported=1 if status == DONE or key.startswith(REPORT_PREFIX) else 0)

    # -- reporting --------------------------------------------------------------------------

    async def _report(self) -> None:
        """One mod-log post per community listing what was not delivered since the last one."""
        assert self.db is not None
        communities, self._unreported = self._unreported, set()
        for community in communities:
            await report_undelivered(self.db, community, self.modlog_of, self.stage, set(self.adapters),
                                     self.staff_of)

    def _observe(self, step: str, entry: Entry) -> None:
        for observer in self.observers:
            observer(step, entry)
