"""The senders' own writes to ``core_outbox``, grouped: every update asked for while one transaction
commits goes into the next one."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import bindparam, update

from bot.outbox.table import outbox
from bot.storage.database import Database

log = logging.getLogger(__name__)

LATER = 0.05  # seconds a write not waited for waits for a write that is (and shares its commit)


class GroupedWrites:
    """Row updates by key, several to a commit: each committed before its caller goes on, or (``wait``
    False) with the next commit while the caller goes on already."""

    def __init__(self, later: float = LATER) -> None:
        self.later = later  # how long a write not waited for waits for one that is
        self._writing = asyncio.Lock()
        self._writes: list[tuple[str, dict[str, Any], asyncio.Future[None] | None]] = []
        self._later: list[tuple[str, dict[str, Any], None]] = []  # not waited for: with the next commit
        self._timer: asyncio.TimerHandle | None = None
        self._db: Database | None = None
        self._flusher: asyncio.Task[None] | None = None
        self.commits = 0  # transactions so far, and the rows they updated (the benches read them)
        self.rows = 0

    async def write(self, db: Database, key: str, *, wait: bool = True, **values: Any) -> None:
        """Update an entry's row, committed before this returns (``wait``), or with the next commit (within
        ``later`` seconds).

        The senders' writes are grouped: every write asked for while one transaction commits goes
        into the next one, so eight sends starting (or landing) together cost one commit, not eight.
        SQLite has one writer, so small transactions racing each other would only wait on its lock.
        A write not waited for (an entry's ``done``: a restart that finds it still ``sending`` asks
        the platform, or does not repeat what people may have seen) lets its send's slot go before
        the commit, and goes with the next send's ``sending``: one commit per send, not two, even for
        a sender sending one at a time. Readers of the rows wait for :meth:`settled` first.
        """
        self._db = db
        if not wait:
            self._later.append((key, values, None))
            if self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(self.later, self._due)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._writes.append((key, values, done))
        self._start()
        await done

    def _due(self) -> None:
        self._timer = None
        if self._later:
            self._start()

    def _start(self) -> None:
        if (self._flusher is None or self._flusher.done()) and self._db is not None:
            self._flusher = asyncio.create_task(self._flush(self._db))

    async def settled(self) -> None:
        """Wait until every write asked for so far (and while waiting) is committed or has failed."""
        if self._later:
            self._start()
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    async def _flush(self, db: Database) -> None:
        async with self._writing:
            while self._writes or self._later:
                await asyncio.sleep(0)  # the other sends of this turn of the loop join the batch
                batch: list[tuple[str, dict[str, Any], asyncio.Future[None] | None]] = [*self._later, *self._writes]
                self._writes, self._later = [], []
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
                    self.rows += len(batch)
                except Exception as exc:  # every waiter hears it; the next batch tries afresh
                    lazy = [key for key, _values, done in batch if done is None]
                    if lazy:  # their rows stay ``sending``: a restart asks the platform (calls.rechecked)
                        log.error("outbox: writing %d finished entr(y/ies) failed: %s", len(lazy), exc)
                    for _key, _values, done in batch:
                        if done is not None and not done.done():
                            done.set_exception(exc)
                    continue
                for _key, _values, done in batch:
                    if done is not None and not done.done():
                        done.set_result(None)
