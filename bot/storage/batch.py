"""One writer task that turns a stream of rows into batched multi-row inserts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import OperationalError

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
                        await conn.execute(insert(self.table), batch)
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


def busy(exc: BaseException) -> bool:
    """Whether a failed write failed only because the database was busy (SQLite: locked by another writer)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in text or "database is busy" in text
                                                  or "database table is locked" in text)
