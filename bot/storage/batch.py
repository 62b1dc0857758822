"""One writer task that turns a stream of rows into batched multi-row inserts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Dialect, Table, insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.database import Database

log = logging.getLogger(__name__)


class BatchWriter:
    """Queue rows with :meth:`submit` (never blocks, never commits per row); one task flushes.

    A batch is written when ``max_batch`` rows are waiting or ``max_delay`` seconds have passed.
    ``flush`` waits until everything submitted so far is stored. A failed batch is retried once
    and then logged with its size, so a bad row cannot wedge the writer; but a batch the database
    only refused because it was busy (SQLite's one writer held by another transaction past the
    busy timeout, as in a spam wave) is kept and tried again, never dropped, for as long as the
    writer runs (at :meth:`close`, ``close_retries`` more times).
    """

    def __init__(self, db: Database, table: Table, *, max_batch: int = 2000, max_delay: float = 0.25) -> None:
        self.db = db
        self.table = table
        self.max_batch = max_batch
        self.max_delay = max_delay
        self._rows: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self.written = 0
        self._plans: dict[tuple[str, ...], _Plan | None] = {}  # the rows' keys -> how to write them
        self.dropped = 0
        self.busy = 0  # batches the database was too busy to take, kept and tried again
        self.close_retries = 10
        # told of each batch given up (its rows and why): bot.outage counts what a database outage cost
        self.on_drop: Callable[[Table, list[dict[str, Any]], BaseException], None] = lambda _t, _rows, _exc: None

    def start(self) -> None:
        """Start the writer task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"batch-writer:{self.table.name}")

    def submit(self, row: dict[str, Any]) -> None:
        """Queue one row."""
        self._rows.append(row)
        self._idle.clear()
        if len(self._rows) >= self.max_batch:
            self._wake.set()

    async def flush(self) -> None:
        """Wait until every row submitted so far is written."""
        if self._task is None:
            await self._write_all()
            return
        self._wake.set()
        await self._idle.wait()

    async def close(self) -> None:
        """Write what is queued and stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self._write_all()

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.max_delay)
            except TimeoutError:
                pass
            self._wake.clear()
            await self._write_all()
            if self._closing:
                return

    async def _write_all(self) -> None:
        waits = closing = 0
        while self._rows:
            batch, self._rows = self._rows[: self.max_batch], self._rows[self.max_batch:]
            for attempt in (1, 2):
                try:
                    async with self.db.engine.begin() as conn:
                        await self._insert(conn, batch)
                    self.written += len(batch)
                    break
                except Exception as exc:
                    if busy(exc) and (not self._closing or closing < self.close_retries):
                        # the rows are fine, the database was busy: keep them, first in line, and wait a little
                        self.busy += 1
                        waits += 1
                        closing += self._closing
                        self._rows[:0] = batch
                        log.warning("batch writer: database busy, %d rows for %s kept for the next try",
                                    len(batch), self.table.name)
                        await asyncio.sleep(min(self.max_delay * 2 ** min(waits, 6), 5.0))
                        break
                    if attempt == 2:
                        self.dropped += len(batch)
                        log.exception("batch writer: dropped %d rows for %s", len(batch), self.table.name)
                        self.on_drop(self.table, batch, exc)
        self._idle.set()

    async def _insert(self, conn: AsyncConnection, batch: list[dict[str, Any]]) -> None:
        """One executemany of the batch: straight to the driver where the rows' keys allow it."""
        keys = tuple(batch[0])
        if keys in self._plans:
            plan = self._plans[keys]
        else:
            plan = self._plans[keys] = _Plan.of(self.table, keys, conn.dialect)
        if plan is None or any(row.keys() != plan.keys for row in batch):
            await conn.execute(insert(self.table), batch)
            return
        await conn.exec_driver_sql(plan.sql, plan.rows(batch))


class _Plan:
    """A table's INSERT compiled once for one set of row keys, with each value's bind processor, so a
    batch goes to the driver as tuples. SQLAlchemy's per-row parameter building cost about as much as
    SQLite's own insert with its indexes (analytics writes a row per chat message)."""

    __slots__ = ("keys", "order", "processors", "sql")

    def __init__(self, keys: tuple[str, ...], sql: str, processors: Sequence[Callable[[Any], Any] | None]) -> None:
        self.keys, self.sql, self.processors = set(keys), sql, processors
        self.order = keys

    @classmethod
    def of(cls, table: Table, keys: tuple[str, ...], dialect: Dialect) -> _Plan | None:
        """The plan, or None where SQLAlchemy must do it (a Python-side default, a named paramstyle)."""
        if not dialect.positional or any(k not in table.c for k in keys):
            return None
        if any(c.default is not None for c in table.c if c.key not in keys):
            return None
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        order = compiled.positiontup
        if order is None or sorted(order) != sorted(keys):
            return None
        processors = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in order]
        return cls(tuple(order), str(compiled), processors)

    def rows(self, batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The batch as the driver's parameter tuples."""
        order, processors = self.order, self.processors
        if not any(processors):
            return [tuple([row[k] for k in order]) for row in batch]
        pairs = list(zip(order, processors, strict=True))
        return [tuple([row[k] if p is None else p(row[k]) for k, p in pairs]) for row in batch]


def busy(exc: BaseException) -> bool:
    """Whether a failed write failed only because the database was busy (SQLite: locked by another writer)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in text or "database is busy" in text
                                                  or "database table is locked" in text)
