"""What the adapter remembers between runs: published-command digests, and channel permissions before a lock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from bot.storage.database import Database

_meta = sa.MetaData()
command_sync = sa.Table(
    "discord_command_sync", _meta,
    sa.Column("application_id", sa.String(24), primary_key=True),
    sa.Column("guild_id", sa.String(24), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
)

channel_lock = sa.Table(
    "discord_channel_lock", _meta,
    sa.Column("channel_id", sa.String(24), primary_key=True),
    sa.Column("target_id", sa.String(24), primary_key=True),
    sa.Column("kind", sa.Integer, nullable=False),  # 0 role, 1 member
    sa.Column("allow", sa.String(24), nullable=True),  # allow/deny NULL: there was no overwrite
    sa.Column("deny", sa.String(24), nullable=True),
)


class SyncStore:
    """Command digests in the database when one is attached, in memory otherwise."""

    def __init__(self) -> None:
        self.db: Database | None = None
        self._memory: dict[tuple[str, str], str] = {}

    async def digest(self, app: str, guild: str) -> str | None:
        """The digest last published for a guild."""
        if self.db is None:
            return self._memory.get((app, guild))
        async with self.db.session() as s:
            row = await s.execute(sa.select(command_sync.c.digest).where(
                command_sync.c.application_id == app, command_sync.c.guild_id == guild))
            return row.scalar_one_or_none()

    async def remember(self, app: str, guild: str, digest: str) -> None:
        """Record a successful publication."""
        self._memory[(app, guild)] = digest
        if self.db is None:
            return
        async with self.db.session() as s, s.begin():
            await s.execute(sa.delete(command_sync).where(
                command_sync.c.application_id == app, command_sync.c.guild_id == guild))
            await s.execute(sa.insert(command_sync).values(
                application_id=app, guild_id=guild, digest=digest, synced_at=datetime.now(UTC)))


# (target id, kind, (allow, deny) or None when the target had no overwrite before the lock)
Entry = tuple[int, int, tuple[int, int] | None]
Saved = list[Entry]


class LockStore:
    """The permission overwrites a channel had before Steward locked it, so an unlock restores them.

    Kept in the database (a lock may outlive a restart: raid mode, a manual /lock) when one is
    attached, in memory otherwise.
    """

    def __init__(self) -> None:
        self.db: Database | None = None
        self._memory: dict[int, Saved] = {}

    async def saved(self, channel_id: int) -> Saved | None:
        """What the channel looked like before it was locked, or None if Steward did not lock it."""
        if self.db is None:
            return self._memory.get(channel_id)
        async with self.db.session() as s:
            rows = (await s.execute(sa.select(channel_lock).where(
                channel_lock.c.channel_id == str(channel_id)))).all()
        if not rows:
            return None
        return [(int(r.target_id), r.kind, None if r.allow is None else (int(r.allow), int(r.deny)))
                for r in rows]

    async def save(self, channel_id: int, before: Sequence[Entry]) -> None:
        """Remember the overwrites from before the lock."""
        self._memory[channel_id] = list(before)
        if self.db is None:
            return
        async with self.db.session() as s, s.begin():
            await s.execute(sa.delete(channel_lock).where(channel_lock.c.channel_id == str(channel_id)))
            await s.execute(sa.insert(channel_lock), [
                {"channel_id": str(channel_id), "target_id": str(target), "kind": kind,
                 "allow": None if pair is None else str(pair[0]), "deny": None if pair is None else str(pair[1])}
                for target, kind, pair in before])

    async def forget(self, channel_id: int) -> None:
        """The channel was unlocked."""
        self._memory.pop(channel_id, None)
        if self.db is None:
            return
        async with self.db.session() as s, s.begin():
            await s.execute(sa.delete(channel_lock).where(channel_lock.c.channel_id == str(channel_id)))
