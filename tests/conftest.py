"""Shared fixtures: a database URL per backend (SQLite always, PostgreSQL when provided)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("STEWARD_TEST_PG_URL")
REQUIRE_PG = os.environ.get("STEWARD_REQUIRE_PG") == "1"

for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(var, None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pg: runs against SQLite and PostgreSQL")
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError("STEWARD_REQUIRE_PG=1 but STEWARD_TEST_PG_URL is not set")


def backends() -> list[object]:
    """SQLite always; PostgreSQL when the throwaway server is up (make test), else a visible skip."""
    pg = pytest.param("postgresql", id="postgresql",
                      marks=[] if PG_URL else [pytest.mark.skip(reason="no STEWARD_TEST_PG_URL (run make test)")])
    return ["sqlite", pg]


async def _create_pg_database() -> str:
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    assert PG_URL is not None
    url = make_url(PG_URL)
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(db_url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    assert PG_URL is not None
    admin = make_url(PG_URL)
    name = make_url(db_url).database
    conn = await asyncpg.connect(host=admin.host, port=admin.port, user=admin.username, database=admin.database)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=backends())
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"
        return
    url = await _create_pg_database()
    try:
        yield url
    finally:
        await _drop_pg_database(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database (tests that need no PostgreSQL run)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"
