"""Rolling old activity up: past the configured age, each person's rows of one channel and local day
become a single row of summed counts.

A row is written per counted event (through the batching writer), so a busy month is millions of
rows; rolled up, it is one row per person, channel and day. The rolled row keeps what every KPI
reads: the day, the person id (a pseudonym: no name, no platform id; ``/forget`` clears it), the
channel, the summed counters, and as ``ts`` the time of that day's first message there (the first
row's when there was none). So DAU/WAU/MAU, stickiness, new/returning/churned, retention cohorts,
top contributors, channel health, totals and everything from the facts log come out the same over
rolled-up days. What cannot: "posted a message" in the onboarding funnel and the time to a first
message for a member who posted in a channel on the day of a re-join *before* re-joining (the
rolled row's time is earlier than the join, so that day's later messages there no longer count
as after it).

Each day is one transaction: the day's rows up to the highest id seen are summed into new rows and
deleted, so a crash leaves every day either rolled up or untouched, and a second run finds nothing
to do (a day whose groups are all single rows is not touched).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import Database
from cogs.analytics.models import activity

COUNTERS = ("messages", "replies", "reactions_given", "reactions_received", "mentions")


@dataclass(frozen=True)
class RolledUp:
    """What one run did: days rolled up, rows read, rows written in their place."""

    days: int = 0
    before: int = 0
    after: int = 0


async def days_to_roll(session: AsyncSession, community: str, before_day: int) -> list[int]:
    """Local days before ``before_day`` that still hold more than one row for some person and channel."""
    c = activity.c
    groups = (select(c.day).where(c.community == community, c.day < before_day)
              .group_by(c.day, c.person_id, c.channel).having(func.count() > 1).subquery())
    return [int(d) for d in (await session.execute(select(groups.c.day).distinct().order_by(groups.c.day))).scalars()]


async def roll_day(session: AsyncSession, community: str, day: int) -> tuple[int, int]:
    """Sum one day's rows per person and channel into new rows and delete the old ones: (read, written)."""
    c = activity.c
    mine = (c.community == community, c.day == day)
    top = await session.scalar(select(func.max(c.id)).where(*mine))
    if top is None:
        return 0, 0
    first_message = func.min(case((c.messages > 0, c.ts)))
    summed = (select(c.community, c.day, func.coalesce(first_message, func.min(c.ts)), c.person_id, c.channel,
                     *(func.sum(getattr(c, name)) for name in COUNTERS))
              .where(*mine, c.id <= top).group_by(c.community, c.day, c.person_id, c.channel))
    written = await session.execute(insert(activity).from_select(
        ["community", "day", "ts", "person_id", "channel", *COUNTERS], summed))
    read = await session.execute(activity.delete().where(*mine, c.id <= top))
    return int(read.rowcount or 0), int(written.rowcount or 0)  # type: ignore[attr-defined]


async def roll_up(db: Database, community: str, before_day: int) -> RolledUp:
    """Roll up every day of ``community`` before ``before_day``, one transaction per day."""
    async with db.session() as session:
        days = await days_to_roll(session, community, before_day)
    before = after = 0
    for day in days:
        async with db.session() as session, session.begin():
            read, written = await roll_day(session, community, day)
        before, after = before + read, after + written
    return RolledUp(len(days), before, after)
