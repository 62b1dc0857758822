"""One shared batching writer per high-volume table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table

from bot.storage.batch import BatchWriter
from bot.storage.database import Database


class Writers:
    """The batching writers of one database, created on first use."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._writers: dict[str, BatchWriter] = {}
        self.on_drop: Callable[[Table, list[dict[str, Any]], BaseException], None] = lambda _t, _rows, _exc: None

    def get(self, table: Table) -> BatchWriter:
        """The writer of ``table`` (started on first use)."""
        writer = self._writers.get(table.name)
        if writer is None:
            writer = self._writers[table.name] = BatchWriter(self.db, table)
            writer.on_drop = lambda t, rows, exc: self.on_drop(t, rows, exc)  # set later by bot.processes
            writer.start()
        return writer

    async def flush(self) -> None:
        """Wait until every row submitted to any writer so far is stored (before a merge or an erasure
        re-keys or deletes a person's rows, so none lands afterwards under the old id)."""
        for writer in list(self._writers.values()):
            await writer.flush()

    async def close(self) -> None:
        """Flush and stop every writer."""
        for writer in self._writers.values():
            await writer.close()
        self._writers.clear()
