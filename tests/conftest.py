"""Shared fixtures: a database URL per backend (SQLite always, PostgreSQL when provided)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings

PG_URL = os.environ.get("STEWARD_TEST_PG_URL")
REQUIRE_PG = os.environ.get("STEWARD_REQUIRE_PG") == "1"

for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(var, None)


# How deep property tests search. ``ci`` (the default, what ``make test`` runs) keeps each test's own
# ``max_examples``; ``nightly`` multiplies it by 10 for a long search; ``quick`` divides it by 5 while
# working on one test file (tests without their own count start from Hypothesis' 100). Chosen with
# STEWARD_HYPOTHESIS=ci|nightly|quick.
PROFILES = {"ci": 1.0, "nightly": 10.0, "quick": 0.2}
PROFILE = os.environ.get("STEWARD_HYPOTHESIS", "ci")
# No deadlines: the suite runs on loaded machines, and most examples wait on a database or a fake (a
# deadline there measures the machine, not the code; `make bench` measures speed).
for _name in PROFILES:
    settings.register_profile(_name, deadline=None, print_blob=True)


def pytest_configure(config: pytest.Config) -> None:
    if PROFILE not in PROFILES:
        raise pytest.UsageError(f"STEWARD_HYPOTHESIS={PROFILE!r}: pick one of {', '.join(PROFILES)}")
    settings.load_profile(PROFILE)
    config.addinivalue_line("markers", "pg: runs against SQLite and PostgreSQL")
    if REQUIRE_PG and not PG_URL:
        raise pytest.UsageError("STEWARD_REQUIRE_PG=1 but STEWARD_TEST_PG_URL is not set")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Scale each property test's own ``max_examples`` by the profile (a test's settings win over a profile's)."""
    factor = PROFILES[PROFILE]
    if factor == 1.0:
        return
    seen: set[int] = set()
    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is None or id(test) in seen:
            continue
        seen.add(id(test))
        test._hypothesis_internal_use_settings = settings(  # type: ignore[union-attr]
            own, max_examples=max(2, round(own.max_examples * factor)))


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
