"""Rolling old activity up: fewer rows, the same KPIs, idempotent, on the configured calendar."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, load_config_text
from bot.refs import MessageRef
from bot.testing import Harness
from cogs.analytics import COG, AnalyticsSettings
from cogs.analytics.models import activity
from cogs.analytics.retention import roll_up
from tests.cogs.analytics.conftest import CONFIG, START, cog

WITH_RETENTION = CONFIG + "      retention: {keep: 3d, when: \"30 3 * * *\"}\n"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(WITH_RETENTION, db_url=db_url, cogs={"analytics": COG}, now=START)
    yield harness
    await harness.close()


@pytest.fixture
async def plain(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"analytics": COG}, now=START)  # no rollup job
    yield harness
    await harness.close()


async def rows(h: Harness) -> int:
    await h.runtime.writers.flush()  # type: ignore[union-attr]
    async with h.runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(activity)) or 0)


async def a_busy_week(h: Harness) -> None:
    """Six days: joins, several messages per person and channel a day, replies, reactions, mentions, a leave."""
    for name in ("alice", "bob", "cy"):
        await h.join(name)
    for day in range(6):
        for name, n in (("alice", 3), ("bob", 2 + day % 2), ("cy", day % 3)):
            for i in range(n):
                await h.post(name, f"{name} {day} {i}", "#general" if i % 2 else "#help")
        await h.post("alice", "a question?", "#help")
        first = MessageRef("memory", "help", f"msg{next(counter(h))}")
        await h.post("bob", "an answer", "#help", reply_to=first, mentions=(h.user("alice"),))
        await h.react("cy", first, "👍")
        await h.advance(hours=24)
    await h.leave("cy")


def counter(h: Harness) -> Iterator[int]:
    """The number of the message the harness posted last (it numbers them msg1, msg2...)."""
    current = next(h._messages)
    h._messages = itertools.count(current)
    yield current - 1


def same(before: object, after: object) -> list[str]:
    """The KPI fields that differ."""
    return [f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name)]  # type: ignore[arg-type]


async def test_rolled_up_days_give_the_same_kpis_with_fewer_rows(plain: Harness) -> None:
    h = plain
    await a_busy_week(h)
    before_rows = await rows(h)
    before = await cog(h).kpis(14)
    done = await roll_up(h.runtime.db, "acme", cog(h).today() + 1)  # every day, today's included
    assert done.days == 6 and done.before == before_rows and done.after <= before_rows / 1.9
    assert await rows(h) == before_rows - done.before + done.after
    after = await cog(h).kpis(14)
    assert same(before, after) == []
    again = await roll_up(h.runtime.db, "acme", cog(h).today() + 1)
    assert (again.days, again.before, again.after) == (0, 0, 0)  # idempotent
    assert same(before, await cog(h).kpis(14)) == []


async def test_the_calendar_rolls_up_only_what_is_older_than_keep(h: Harness) -> None:
    await a_busy_week(h)  # the job ran at 03:30 each night of it
    await rows(h)
    today = cog(h).today()
    c = activity.c
    groups = select(c.day, func.count().label("n")).group_by(c.day, c.person_id, c.channel).subquery()
    async with h.runtime.db.session() as session:
        most = dict((await session.execute(select(groups.c.day, func.max(groups.c.n)).group_by(groups.c.day))).all())
    rolled = {d for d, n in most.items() if n == 1}
    assert rolled == {d for d in most if d < today + 1 - 3}, (today, most)  # older than 3 days: one row each
    recent = set(most) - rolled  # today (no activity yet) and the two days before it are kept as written
    assert recent == {today - 2, today - 1} and all(most[d] > 1 for d in recent)


def test_keep_is_whole_days_and_located() -> None:
    for bad, why in (("1d", "at least 2"), ("36h", "whole days"), ("x", "")):
        with pytest.raises(ConfigError) as info:
            load_config_text(CONFIG + f"      retention: {{keep: {bad}}}\n", file="c.yaml",
                             cogs={"analytics": AnalyticsSettings}, env={})
        [issue] = info.value.issues
        assert str(issue).startswith("c.yaml:12 communities[0].analytics.retention.keep: ") and why in str(issue)
    assert load_config_text(CONFIG + "      retention: {keep: 400d}\n", cogs={"analytics": AnalyticsSettings},
                            env={}).communities[0].analytics.retention.keep == timedelta(days=400)  # type: ignore[attr-defined]

