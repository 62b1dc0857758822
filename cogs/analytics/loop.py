"""The activity KPIs as a plain Python loop over every counter row: the benchmark's baseline and the
tests' oracle for the SQL (the same definitions as :mod:`cogs.analytics.queries`, written naively)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cogs.analytics.models import activity, members
from cogs.analytics.queries import WEEK1, WEEK4, Window


@dataclass
class LoopFigures:
    """What the loop computes."""

    daily: dict[int, int] = field(default_factory=dict)
    wau: int = 0
    mau: int = 0
    messages: int = 0
    top: list[tuple[int, int]] = field(default_factory=list)  # (person, messages)
    channels: dict[str, tuple[int, int]] = field(default_factory=dict)  # channel → (now, before)
    cohorts: dict[int, tuple[int, int, int, int, int]] = field(default_factory=dict)


def figures(rows: Iterable[Any], joins: Iterable[Any], w: Window, today: int, top: int = 10) -> LoopFigures:
    """The KPIs from rows of ``(day, person_id, channel, messages, reactions_received)`` and joins
    ``(person_id, day)``."""
    out = LoopFigures()
    per_day: dict[int, set[int]] = defaultdict(set)
    week: set[int] = set()
    month: set[int] = set()
    sent: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    now: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    days_of: dict[int, set[int]] = defaultdict(set)
    for day, person, channel, messages, reactions_received in rows:
        if w.start <= day < w.end:
            out.messages += messages
            if channel:
                now[channel] += messages
        elif w.start - w.days <= day < w.start and channel:
            before[channel] += messages
        if person is None:  # a forgotten person's counts: in the totals, nobody's activity
            continue
        days_of[person].add(day)
        if today - 6 <= day <= today:
            week.add(person)
        if today - 29 <= day <= today:
            month.add(person)
        if w.start <= day < w.end:
            per_day[day].add(person)
            sent[person] += messages
            received[person] += reactions_received
    out.daily = {d: len(p) for d, p in sorted(per_day.items())}
    out.wau, out.mau = len(week), len(month)
    ranked = sorted((p for p in sent if sent[p] + received[p] > 0), key=lambda p: (-sent[p], -received[p], p))
    out.top = [(p, sent[p]) for p in ranked[:top]]
    out.channels = {c: (now.get(c, 0), before.get(c, 0)) for c in sorted(set(now) | set(before))}
    first: dict[int, int] = {}
    for person, day in joins:
        if person is not None and w.start <= day < w.end:
            first[person] = min(day, first.get(person, day))
    cohorts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for person, jday in first.items():
        c = cohorts[(jday + 3) // 7]
        c[0] += 1
        for i, (lo, hi) in ((1, WEEK1), (3, WEEK4)):
            if jday + hi <= today:
                c[i] += 1
                c[i + 1] += any(jday + lo <= d <= jday + hi for d in days_of.get(person, ()))
    out.cohorts = {k: (v[0], v[1], v[2], v[3], v[4]) for k, v in sorted(cohorts.items())}
    return out


async def load_and_loop(session: AsyncSession, w: Window, today: int, top: int = 10) -> LoopFigures:
    """Fetch every counter row of the community, then :func:`figures` over them in Python."""
    rows = await session.stream(select(activity.c.day, activity.c.person_id, activity.c.channel,
                                       activity.c.messages, activity.c.reactions_received)
                                .where(activity.c.community == w.community).execution_options(yield_per=10_000))
    fetched = [tuple(r) async for r in rows]
    joins = (await session.execute(select(members.c.person_id, members.c.day).where(
        members.c.community == w.community, members.c.kind == "join"))).all()
    return figures(fetched, joins, w, today, top)
