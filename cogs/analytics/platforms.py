"""Active members by platform, each person once (a member linked across platforms is one person).

The activity counters carry a person, not an account, so a period's active people are counted
once whatever platforms they spoke on; the breakdown places each under the platforms they hold an
account on (core_accounts). A linked person is counted under each of their platforms and once in
the total, and ``linked`` says how many such people there are, so the figures add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.sql import Select

from bot.persons import accounts
from cogs.analytics.models import activity
from cogs.analytics.queries import Window, _active

Query = Select[Any]


def active_by_platform(w: Window) -> Query:
    """``(platform, accounts the person holds, active persons)``: the window's active persons (one pass over
    the counters) under each platform they hold an account on, grouped by how many accounts they hold. A
    person holding ``n`` accounts is in ``n`` rows of that ``n``, so the people are ``sum(persons / n)``
    and the linked ones that sum over ``n > 1`` (:func:`split` does it)."""
    active = select(activity.c.person_id.label("pid")).where(_active(w)).distinct().subquery()
    held = (select(active.c.pid, func.count(accounts.c.platform).label("n"))
            .join(accounts, (accounts.c.person_id == active.c.pid) & (accounts.c.community == w.community))
            .group_by(active.c.pid).subquery())
    return (select(accounts.c.platform, held.c.n, func.count())
            .join(held, accounts.c.person_id == held.c.pid).where(accounts.c.community == w.community)
            .group_by(accounts.c.platform, held.c.n).order_by(accounts.c.platform, held.c.n))


@dataclass(frozen=True, slots=True)
class PlatformSplit:
    """The period's active people once each, and per platform (a linked person in each of theirs)."""

    people: int = 0
    linked: int = 0
    on: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """``10 people: discord 7, slack 4 (1 linked, counted once)``, or ``""`` on one platform."""
        if len(self.on) < 2:
            return ""
        each = ", ".join(f"{p} {n}" for p, n in self.on.items())
        linked = f" ({self.linked} linked, counted once)" if self.linked else ""
        return f"{self.people} people: {each}{linked}"


def split(rows: Iterable[Sequence[Any]]) -> PlatformSplit:
    """The split from :func:`active_by_platform`'s rows."""
    on: dict[str, int] = {}
    people = linked = 0.0
    for platform, held, persons in rows:
        n, count = int(held), int(persons or 0)
        on[str(platform)] = on.get(str(platform), 0) + count
        people += count / n
        linked += count / n if n > 1 else 0
    return PlatformSplit(round(people), round(linked), on)
