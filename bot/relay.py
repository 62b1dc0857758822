"""Several processes, one Steward: events handled once, each by its community's process.

- :class:`SharedSeen`: de-duplication by platform event id across processes. The dispatcher's
  in-memory set stays the fast first check; an id it has not seen is claimed with one unique
  insert (with an expiry) in ``core_seen``, batched with the other ids arriving meanwhile, so a
  Slack retry landing on another connection, or a replay after a reconnect, has one effect.
- :class:`Relay`: an event that reaches a process other than its community's (see
  :mod:`bot.partitions`) is written to ``core_relay`` and the owner is woken by a notification;
  the owner takes rows for its partitions (``FOR UPDATE SKIP LOCKED``), handles each and deletes
  it in the same transaction, so a process killed mid-event leaves the row for the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from bot.clock import Clock
from bot.events import Event
from bot.outbox.codec import CodecError, decode_value, encode_value
from bot.storage.base import UTCDateTime
from bot.storage.database import Database

log = logging.getLogger(__name__)

_meta = MetaData()
seen_table = Table(
    "core_seen", _meta,
    Column("key", String(300), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
)
relay_table = Table(
    "core_relay", _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(64), nullable=False, index=True),
    Column("community", String(40), nullable=False),
    Column("event", JSON, nullable=False),
    Column("context", JSON),
    Column("created_at", UTCDateTime, nullable=False),
)
SEEN_FOR = timedelta(hours=2)  # Slack retries for about an hour; gateway replays come within minutes


class SharedSeen:
    """Claims event keys in PostgreSQL, many per statement: ``await first(key)`` is True once per key."""

    def __init__(self, db: Database, clock: Clock, *, batch: int = 500) -> None:
        self.db, self.clock, self.batch = db, clock, batch
        self._waiting: dict[str, asyncio.Future[bool]] = {}
        self._flusher: asyncio.Task[None] | None = None
        self.statements = 0  # how many round trips the claims took (the bench reports it)
        self.unchecked: Callable[[int], None] = lambda _n: None  # told how many ids went unclaimed (bot.outage)

    async def first(self, key: str) -> bool:
        """Whether no process claimed ``key`` before (this call claims it)."""
        waiting = self._waiting.get(key)
        if waiting is not None:  # the same key twice in one batch: the second is a repeat
            await waiting
            return False
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[key] = future
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # the ids arriving in this turn of the loop go in one statement
        while self._waiting:
            keys = list(self._waiting)[:self.batch]
            futures = [self._waiting.pop(k) for k in keys]
            expires = self.clock.now() + SEEN_FOR
            try:
                async with self.db.session() as session, session.begin():
                    inserted = (await session.execute(
                        pg_insert(seen_table).values([{"key": k, "expires_at": expires} for k in keys])
                        .on_conflict_do_nothing(index_elements=["key"]).returning(seen_table.c.key))).scalars().all()
                self.statements += 1
                new = set(inserted)
                for key, future in zip(keys, futures, strict=True):
                    if not future.done():
                        future.set_result(key in new)
            except Exception as exc:
                # the database is away: handle the events (the in-memory set still drops local repeats)
                # rather than lose them, and say so
                log.warning("dedupe: could not record %d event id(s) in the database (%s); handled without "
                            "the cross-process check", len(keys), exc)
                self.unchecked(len(keys))
                for future in futures:
                    if not future.done():
                        future.set_result(True)

    async def expire(self) -> int:
        """Forget ids past their expiry (the leader does this now and then)."""
        async with self.db.session() as session, session.begin():
            result = await session.execute(delete(seen_table).where(seen_table.c.expires_at < self.clock.now()))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


Handle = Callable[[Event, dict[str, Any] | None], Awaitable[None]]


class Relay:
    """Hands events to the process of their community, and handles those relayed to this one."""

    def __init__(self, db: Database, clock: Clock, notify: Callable[..., Awaitable[None]],
                 mine: Callable[[], Collection[str]], handle: Handle, *, poll: float = 1.0) -> None:
        self.db, self.clock, self.notify, self.mine, self.handle = db, clock, notify, mine, handle
        self.poll = poll
        self.sent = self.received = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._drain_lock = asyncio.Lock()
        self._outgoing: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def send(self, target: str, community: str, event: Event, context: dict[str, Any] | None) -> None:
        """Store the event for the process holding ``target`` and wake it; events relayed in the same
        turn of the event loop go in one insert and one notification per target."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outgoing.append(({"target": target, "community": community, "event": encode_value(event),
                                "context": context, "created_at": self.clock.now()}, future))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_waiting())
        await future

    async def _send_waiting(self) -> None:
        await asyncio.sleep(0)
        while self._outgoing:
            batch, self._outgoing = self._outgoing[:500], self._outgoing[500:]
            try:
                async with self.db.session() as session, session.begin():
                    await session.execute(relay_table.insert(), [row for row, _f in batch])
            except Exception as exc:
                for _row, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.sent += len(batch)
            for target in sorted({row["target"] for row, _f in batch}):
                await self.notify("relay", target=target)
            for _row, future in batch:
                if not future.done():
                    future.set_result(None)

    def start(self) -> None:
        """Start taking relayed events (woken by notifications, polling as a safety net)."""
        self._task = asyncio.create_task(self._run(), name="relay")

    async def stop(self) -> None:
        """Stop taking events; rows not yet taken stay for the next process."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """A notification said rows are waiting."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("relay: taking relayed events failed; the next poll tries again")

    async def drain(self) -> int:
        """Handle every event waiting for this process's partitions, oldest first; returns how many."""
        mine = list(self.mine())
        if not mine:
            return 0
        count = 0
        async with self._drain_lock:
            while True:
                async with self.db.session() as session, session.begin():
                    rows = (await session.execute(
                        select(relay_table).where(relay_table.c.target.in_(mine)).order_by(relay_table.c.id)
                        .limit(100).with_for_update(skip_locked=True))).all()
                    if not rows:
                        return count
                    events: list[tuple[Event, dict[str, Any] | None]] = []
                    for row in rows:
                        try:
                            event = decode_value(row.event)
                        except CodecError as exc:
                            log.error("relay: an unreadable relayed event was dropped (%s)", exc)
                            continue
                        if isinstance(event, Event):
                            events.append((event, row.context))
                    # started in order, each its own task, as an adapter hands events in
                    await asyncio.gather(*(self.handle(event, context) for event, context in events))
                    await session.execute(delete(relay_table).where(relay_table.c.id.in_([r.id for r in rows])))
                count += len(rows)
                self.received += len(rows)

