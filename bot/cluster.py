"""This process among the other Steward processes on one database.

On PostgreSQL every process registers itself in ``core_processes`` and holds, on a connection of
its own, an advisory lock for itself and one for each partition it runs (its Discord shards):
the server drops them the moment the process dies, so "alive" and "who runs shard 3" are always
exact, and a second process configured with an overlapping shard range is refused at start. The
same connection LISTENs on one channel, over which processes tell each other about a reload, a
relayed event waiting for its owner, or a community whose state changed.

On SQLite Steward is one process: a second one on the same file is refused at start (a lock
file beside the database), pointing to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import JSON, Boolean, Column, Float, Integer, MetaData, String, Table, delete, select, text
from sqlalchemy.engine import make_url

from bot.clock import Clock, utc
from bot.errors import StartupError
from bot.storage.base import UTCDateTime
from bot.storage.database import Database

log = logging.getLogger(__name__)

_meta = MetaData()
processes = Table(
    "core_processes", _meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("partitions", JSON, nullable=False),
    Column("detail", String(400), nullable=False, default=""),
    Column("leader", Boolean, nullable=False, default=False),
    Column("scheduler_lag", Float),
    Column("started_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)

CHANNEL = "steward"
PROCESS_CLASS = 0x5743  # advisory lock (class, process id): held while the process lives
SHARD_CLASS = 0x5744  # advisory lock (class, shard): held by the process running the shard
Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """One live process as ``steward status`` shows it."""

    id: int
    name: str
    host: str
    pid: int
    partitions: tuple[str, ...]
    detail: str
    leader: bool
    scheduler_lag: float | None
    started_at: datetime
    seen_at: datetime


def _shard_number(partition: str) -> int | None:
    kind, _, number = partition.partition(":")
    return int(number) if kind == "discord-shard" and number.isdecimal() else None


class Cluster:
    """Registration, partition locks and notifications of this process."""

    def __init__(self, db: Database, clock: Clock, *, partitions: Sequence[str] = (), detail: str = "",
                 name: str | None = None, heartbeat: float = 2.0) -> None:
        self.db, self.clock = db, clock
        self.partitions = list(partitions)
        self.detail = detail
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.heartbeat = heartbeat
        self.id: int | None = None
        self.handlers: dict[str, Handler] = {}
        self.leader: Callable[[], bool] = lambda: True
        self.lag: Callable[[], Awaitable[float | None]] = _no_lag
        # told when a beat fails (the database is away) and after each beat that reached it
        self.on_down: Callable[[], None] = lambda: None
        self.on_up: Callable[[], Awaitable[None]] = _nothing
        self._conn: Any = None  # asyncpg connection holding the locks and the LISTEN
        self._file: IO[str] | None = None
        self._beat: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def shared(self) -> bool:
        """Whether several processes may share this database (PostgreSQL)."""
        return self.db.dialect == "postgresql"

    def on(self, kind: str, handler: Handler) -> None:
        """Call ``handler(message)`` when another process notifies ``kind``."""
        self.handlers[kind] = handler

    async def start(self) -> None:
        """Register, take this process's locks (or refuse to start), listen."""
        if not self.shared:
            self._lock_sqlite()
            return
        await self._connect()
        self._beat = asyncio.create_task(self._heartbeat(), name="cluster-heartbeat")
        where = ", ".join(self.partitions) or "no partition of its own"
        log.info("cluster: process %s (#%s) runs %s%s", self.name, self.id, where,
                 f" — {self.detail}" if self.detail else "")

    async def _connect(self) -> None:
        import asyncpg

        url = make_url(self.db.url)
        self._conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                                           database=url.database)
        now = self.clock.now()
        if self.id is None:
            async with self.db.session() as session, session.begin():
                result = await session.execute(processes.insert().values(
                    name=self.name, host=socket.gethostname(), pid=os.getpid(), partitions=self.partitions,
                    detail=self.detail[:400], leader=False, started_at=now, seen_at=now))
                self.id = int(result.inserted_primary_key[0])  # type: ignore[attr-defined]
        await self._conn.execute("SELECT pg_advisory_lock($1, $2)", PROCESS_CLASS, self.id)
        for partition in self.partitions:
            shard = _shard_number(partition)
            if shard is None:
                continue
            if not await self._conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", SHARD_CLASS, shard):
                holder = await self._holder(partition)
                await self._conn.close()
                self._conn = None
                raise StartupError(
                    f"Discord shard {shard} is already run by another Steward process ({holder}); two processes "
                    "must not run overlapping shard ranges: give each its own platforms.discord.shards.ids "
                    "(or STEWARD_SHARD_IDS)")
        await self._conn.add_listener(CHANNEL, self._heard)

    async def _holder(self, partition: str) -> str:
        for info in await live_processes(self.db):
            if partition in info.partitions and info.id != self.id:
                return f"{info.name}, running {', '.join(info.partitions)}"
        return "one not yet registered"

    def _lock_sqlite(self) -> None:
        database = make_url(self.db.url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return
        path = Path(database).with_name(Path(database).name + ".lock")
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StartupError(
                f"another Steward process is already running on the SQLite database {database}. SQLite is "
                "for one process; to run several, put them on one PostgreSQL "
                "(storage.url: postgresql+asyncpg://user:password@host/steward)") from None
        self._file = handle

    async def stop(self) -> None:
        """Release the locks (the server would on our death anyway) and deregister."""
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._beat
            self._beat = None
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None
            if self.id is not None:
                with contextlib.suppress(Exception):
                    async with self.db.session() as session, session.begin():
                        await session.execute(delete(processes).where(processes.c.id == self.id))
        if self._file is not None:
            self._file.close()
            self._file = None

    async def notify(self, kind: str, **data: Any) -> None:
        """Tell every other process (``kind`` and a little JSON; PostgreSQL caps it at 8 kB)."""
        if self._conn is None:
            return
        payload = json.dumps({"kind": kind, "from": self.id, **data})
        try:
            await self._conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
        except Exception:  # the heartbeat reconnects; a lost wake-up is caught by the next poll
            log.warning("cluster: could not notify %s", kind, exc_info=True)

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            log.warning("cluster: an unreadable notification was ignored")
            return
        if not isinstance(message, dict) or message.get("from") == self.id:
            return
        handler = self.handlers.get(str(message.get("kind")))
        if handler is not None:
            task = asyncio.create_task(self._run(handler, message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(handler: Handler, message: dict[str, Any]) -> None:
        try:
            await handler(message)
        except Exception:
            log.exception("cluster: handling a %s notification failed", message.get("kind"))

    async def _heartbeat(self) -> None:
        backoff = 1.0
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                if self._conn is None or self._conn.is_closed():
                    await self._reconnect()
                lag = await self.lag()
                async with self.db.session() as session, session.begin():
                    await session.execute(processes.update().where(processes.c.id == self.id).values(
                        leader=self.leader(), scheduler_lag=lag, seen_at=self.clock.now()))
                backoff = 1.0
            except StartupError as exc:  # a shard was taken over while we were cut off: say so loudly
                log.critical("cluster: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            except Exception as exc:
                self.on_down()
                log.warning("cluster: database unreachable (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            try:
                await self.on_up()
            except Exception:
                log.exception("cluster: the work after a heartbeat failed; the next beat tries again")

    async def _reconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None
        await self._connect()
        log.warning("cluster: reconnected to the database; locks and notifications restored")


async def _no_lag() -> float | None:
    return None


async def _nothing() -> None:
    return None


async def live_processes(db: Database) -> list[ProcessInfo]:
    """Every process alive on this database now (its advisory lock is held), oldest first."""
    if db.dialect != "postgresql":
        return []
    query = select(processes).where(text(
        "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.classid = CAST(:cls AS oid) AND l.objid = CAST(core_processes.id AS oid) AND l.objsubid = 2)"
    ).bindparams(cls=PROCESS_CLASS)).order_by(processes.c.id)
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    return [ProcessInfo(id=r.id, name=r.name, host=r.host, pid=r.pid, partitions=tuple(r.partitions or ()),
                        detail=r.detail, leader=bool(r.leader), scheduler_lag=r.scheduler_lag,
                        started_at=utc(r.started_at), seen_at=utc(r.seen_at)) for r in rows]


async def forget_dead(db: Database, now: datetime, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete the rows of processes gone for longer than ``older_than``."""
    alive = {p.id for p in await live_processes(db)}
    async with db.session() as session, session.begin():
        query = delete(processes).where(processes.c.seen_at < now - older_than)
        if alive:
            query = query.where(processes.c.id.not_in(alive))
        result = await session.execute(query)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
