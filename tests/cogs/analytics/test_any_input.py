"""Outside input, any shape: periods as typed, campaign names, and any activity the SQL must count
exactly as a plain Python loop does (the same definitions written naively)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from bot.storage import Database
from cogs.analytics import COG, store
from cogs.analytics.cog import campaign_name
from cogs.analytics.kpis import Kpis
from cogs.analytics.loop import figures
from cogs.analytics.models import activity, members
from cogs.analytics.period import PeriodError, day_bounds, day_date, day_number, parse_days, window

TZ = ZoneInfo("Europe/London")


@given(st.text(max_size=60))
def test_any_period_is_days_or_a_clear_refusal(text: str) -> None:
    try:
        days = parse_days(text)
    except PeriodError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    assert 1 <= days <= 366


@pytest.mark.parametrize(("text", "days"), [("7d", 7), ("30d", 30), ("4w", 28), ("1 day", 1), (" 2 weeks ", 14)])
def test_periods_people_write(text: str, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(("text", "says"), [("30x", "unknown unit `x`"), ("12h", "whole days"), ("", "needed"),
                                            ("400d", "at most 366"), ("30", "no unit")])
def test_bad_periods_say_why(text: str, says: str) -> None:
    with pytest.raises(PeriodError, match=says):
        parse_days(text)


@given(st.text(max_size=60))
def test_any_campaign_name_is_a_clean_slug_or_refused(text: str) -> None:
    name = campaign_name(text)
    assert name is None or (1 <= len(name) <= 40 and name.isascii() and name == name.lower()
                            and all(c.isalnum() or c in "-_" for c in name))


@pytest.mark.parametrize(("text", "name"), [("Spring-Meetup", "spring-meetup"), (" news_2026 ", "news_2026"),
                                            ("two words", None), ("-lead", None), ("K", "k"), ("x" * 41, None)])
def test_campaign_names_people_type(text: str, name: str | None) -> None:
    assert campaign_name(text) == name


@pytest.fixture(scope="module")
def loop_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[asyncio.AbstractEventLoop, Database]]:
    loop = asyncio.new_event_loop()
    path = Path(tmp_path_factory.mktemp("any")) / "steward.db"
    db = loop.run_until_complete(Database.open(f"sqlite+aiosqlite:///{path}", [COG.migrations]))
    yield loop, db
    loop.run_until_complete(db.close())
    loop.close()


PERSON = st.one_of(st.none(), st.integers(1, 7))  # None: a forgotten person's counts
ROW = st.tuples(st.integers(0, 45), PERSON, st.sampled_from(["#general", "#help", "#dev"]),
                st.integers(0, 3), st.integers(0, 2))
JOIN = st.tuples(st.integers(1, 7), st.integers(0, 45))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=60), joins=st.lists(JOIN, max_size=10), days=st.integers(1, 40),
       today=st.integers(0, 45))
def test_sql_counts_what_a_python_loop_counts(loop_db: tuple[asyncio.AbstractEventLoop, Database],
                                             rows: list[tuple[int, int, str, int, int]],
                                             joins: list[tuple[int, int]], days: int, today: int) -> None:
    loop, db = loop_db
    base = 20_000  # day numbers in 2024
    now = datetime.combine(day_date(base + today), datetime.min.time(), tzinfo=UTC).replace(hour=12)
    w = window("acme", days, now, TZ)

    async def run() -> Kpis:
        async with db.session() as session, session.begin():
            await session.execute(delete(activity))
            await session.execute(delete(members))
            if rows:
                await session.execute(insert(activity), [
                    {"community": "acme", "day": base + d, "ts": 0, "person_id": p, "channel": c, "messages": m,
                     "reactions_received": r} for d, p, c, m, r in rows])
            if joins:
                await session.execute(insert(members), [
                    {"community": "acme", "day": base + d, "ts": 0, "person_id": p, "kind": "join"} for p, d in joins])
        async with db.session() as session:
            return await store.compute(session, w, base + today, top=5)

    k = loop.run_until_complete(run())
    expected = figures([(base + d, p, c, m, r) for d, p, c, m, r in rows], [(p, base + d) for p, d in joins], w,
                       base + today, top=5)
    assert k.has_data == bool(rows or joins)
    if not k.has_data:
        return
    assert {(d.toordinal() - day_date(0).toordinal()): n for d, n in k.daily} == expected.daily
    assert (k.wau, k.mau, k.messages) == (expected.wau, expected.mau, expected.messages)
    assert [(c.person, c.messages) for c in k.top] == expected.top
    assert {c.name: (c.messages, c.before) for c in k.channels} == expected.channels
    got = {(c.week_of.toordinal() - day_date(0).toordinal() + 3) // 7: (
        c.members, c.week1_eligible, c.week1_active, c.week4_eligible, c.week4_active) for c in k.cohorts}
    assert got == expected.cohorts
    assert k.stickiness is None or 0 <= k.stickiness <= 1 + 1e-9


DAY_ZONES = ("Europe/London", "America/Havana", "America/Santiago", "Asia/Kathmandu", "Pacific/Apia", "UTC")


@settings(max_examples=300, deadline=None)
@given(st.integers(1_700_000_000, 1_900_000_000), st.sampled_from(DAY_ZONES), st.floats(0, 1))
def test_a_day_s_bounds_hold_only_that_day(ts: int, zone: str, where: float) -> None:
    # the shortcut the cog counts with (zones that skip a midnight among them): every second within the
    # bounds is on the day worked out
    tz = ZoneInfo(zone)
    start, end, day = day_bounds(datetime.fromtimestamp(ts, UTC), tz)
    assert start <= ts < end and end - start <= 25 * 3600
    inside = start + int((end - start - 1) * where)
    assert day_number(datetime.fromtimestamp(inside, UTC), tz) == day == day_number(datetime.fromtimestamp(ts, UTC), tz)
