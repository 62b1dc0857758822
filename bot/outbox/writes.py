"""The senders' own writes to ``core_outbox``, grouped: every update asked for while one transaction
commits goes into the next one."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import bindparam, update

from bot.outbox.table import outbox
from bot.storage.database import Database


class GroupedWrites:
    """Row updates by key, each committed before its caller goes on, several to a commit."""

    def __init__(self) -> None:
        self._writing = asyncio.Lock()
        self._writes: list[tuple[str, dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.commits = 0  # transactions so far (the bench reads it)

    async def write(self, db: Database, key: str, **values: Any) -> None:
        """Update an entry's row, committed before this returns.

        The senders' writes are grouped: every write asked for while one transaction commits goes
        into the next one, so eight sends starting (or landing) together cost one commit, not eight.
        SQLite has one writer, so small transactions racing each other would only wait on its lock.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writes.append((key, values, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(db))
        await done

    async def _flush(self, db: Database) -> None:
        async with self._writing:
            while self._writes:
                await asyncio.sleep(0)  # the other sends of this turn of the loop join the batch
                batch, self._writes = self._writes, []
                shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
                for key, values, _ in batch:
                    row = {"k": key, **{f"v_{c}": v for c, v in values.items()}}
                    shapes.setdefault(tuple(sorted(values)), []).append(row)
                try:
                    async with db.session() as session, session.begin():
                        connection = await session.connection()
                        for columns, params in shapes.items():
                            statement = update(outbox).where(outbox.c.key == bindparam("k")).values(
                                {c: bindparam(f"v_{c}") for c in columns})
                            await connection.execute(statement, params)
                    self.commits += 1
                except Exception as exc:  # every waiter hears it; the next batch tries afresh
                    for _key, _values, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for _key, _values, done in batch:
                    if not done.done():
                        done.set_result(None)
