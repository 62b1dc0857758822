"""What the adapter remembers between runs: the digest of the commands published per guild."""

from __future__ import annotations

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
