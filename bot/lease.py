"""The scheduler leader's lease: a PostgreSQL advisory lock held on a connection of its own.

The server drops the lock when the holder dies — or when the server itself restarts, so the
holder checks now and then that its connection (and with it the lock) is still there; a holder
that lost it stops leading and competes for the lease again like any follower. On SQLite Steward
is one process and always leads.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.database import Database

log = logging.getLogger(__name__)

LEASE_KEY = 0x5742_0001  # advisory-lock id of the scheduler leader


class Lease:
    """Take, check and give back the leader lease."""

    def __init__(self, db: Database, key: int = LEASE_KEY) -> None:
        self.db, self.key = db, key
        self._conn: AsyncConnection | None = None

    async def take(self) -> bool:
        """Try to become the leader; False when another process holds the lease."""
        if self.db.dialect != "postgresql":
            return True
        try:
            if self._conn is None:
                self._conn = await self.db.engine.connect()
            got = (await self._conn.execute(select(func.pg_try_advisory_lock(self.key)))).scalar()
            await self._conn.commit()
        except Exception:
            await self._drop()  # a connection that failed is not reused: the next try opens a new one
            raise
        return bool(got)

    async def held(self) -> bool:
        """Whether the lease's connection is still alive (a server restart loses the lock with it)."""
        if self.db.dialect != "postgresql":
            return True
        if self._conn is None:
            return False
        try:
            await self._conn.execute(select(1))  # a session-level lock lasts as long as its session
            await self._conn.commit()
            return True
        except Exception as exc:
            log.warning("scheduler: the leader lease's connection is gone (%s)", str(exc).splitlines()[0] if str(exc)
                        else type(exc).__name__)
            await self._drop()
            return False

    async def release(self) -> None:
        """Give the lease back and close its connection."""
        if self._conn is None:
            return
        try:
            with contextlib.suppress(Exception):
                await self._conn.execute(select(func.pg_advisory_unlock(self.key)))
        finally:
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
