"""Engine creation, connection pragmas and Alembic migrations at start."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


class StorageError(Exception):
    """The database could not be opened or migrated; the message is one line for people."""


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1] if "@" in url else url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _prepare_sqlite_path(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


class Database:
    """One async engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        self.dialect = make_url(url).get_backend_name()
        if self.dialect == "sqlite":
            _prepare_sqlite_path(url)
            if make_url(url).database in (None, "", ":memory:"):
                kwargs["poolclass"] = StaticPool
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.applied: list[str] = []  # migrations the last migrate() applied, oldest first

    def session(self) -> AsyncSession:
        """A new session; use ``async with db.session() as s, s.begin(): ...``."""
        return self.sessions()

    @classmethod
    async def open(cls, url: str, migrations: Sequence[Path | str | None] = ()) -> Database:
        """Connect and apply every migration; raise :class:`StorageError` with one clear line.

        ``migrations``: Alembic versions folders; ``None`` entries and repeats are skipped.
        """
        folders = list(dict.fromkeys(Path(m) for m in migrations if m))  # a running adapter is listed twice
        try:
            db = cls(url)
        except (ArgumentError, ImportError, ValueError, OSError) as exc:
            raise StorageError(f"can't open database {mask_url(url)}: {exc}") from None
        try:
            await db.migrate(folders)
        except (SQLAlchemyError, OSError, ConnectionError) as exc:
            await db.close()
            cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise StorageError(f"can't open database {mask_url(url)}: {cause}") from None
        except Exception as exc:  # asyncpg raises its own errors for auth and missing databases
            await db.close()
            cause = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise StorageError(f"can't open database {mask_url(url)}: {type(exc).__name__}: {cause}") from None
        return db

    async def migrate(self, migrations: Sequence[Path] = ()) -> None:
        """Upgrade the core's and every given cog's migration branch to its head (``applied`` lists them)."""
        locations = [CORE_MIGRATIONS / "versions", *migrations]

        def upgrade(conn: Connection) -> None:
            cfg = AlembicConfig()
            cfg.set_main_option("script_location", str(CORE_MIGRATIONS))
            cfg.set_main_option("version_locations", " ".join(str(p) for p in locations))
            cfg.set_main_option("path_separator", "space")
            cfg.attributes["connection"] = conn
            cfg.attributes["on_version_apply"] = applied
            command.upgrade(cfg, "heads")

        def applied(*, step: Any, **_: Any) -> None:
            if step.is_upgrade:
                doc = (getattr(step.up_revision, "doc", "") or "").strip().splitlines()
                self.applied.append(f"{step.up_revision_id}" + (f" ({doc[0]})" if doc else ""))

        async with self.engine.begin() as conn:
            await conn.run_sync(upgrade)

    async def close(self) -> None:
        """Dispose of the engine's connections."""
        await self.engine.dispose()
