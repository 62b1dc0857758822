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

from sqlalchemy import case, func, select
from sqlalchemy.sql import Select

from bot.persons import accounts
from cogs.analytics.models import activity
from cogs.analytics.queries import Window, _active

Query = Select[Any]


def _held(w: Window) -> Any:
    """The window's active persons with how many platform accounts each holds (a subquery)."""
    active = select(activity.c.person_id.label("pid")).where(_active(w)).distinct().subquery()
    return (select(active.c.pid, func.count(accounts.c.platform).label("n"))
            .join(accounts, (accounts.c.person_id == active.c.pid) & (accounts.c.community == w.community))
            .group_by(active.c.pid).subquery())


def active_by_platform(w: Window) -> Query:
    """``(platform, active persons holding an account there, of them linked to another platform)``, one row
    per platform, by name. A person linked across two platforms is in both rows; see :func:`active_people`."""
    held = _held(w)
    return (select(accounts.c.platform, func.count(), func.sum(case((held.c.n > 1, 1), else_=0)))
            .join(held, accounts.c.person_id == held.c.pid).where(accounts.c.community == w.community)
            .group_by(accounts.c.platform).order_by(accounts.c.platform))


def active_people(w: Window) -> Query:
    """``(active persons, of them holding accounts on two platforms or more)``: each person once."""
    held = _held(w)
    return select(func.count(), func.coalesce(func.sum(case((held.c.n > 1, 1), else_=0)), 0)).select_from(held)


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


def split(people: Sequence[Any], rows: Iterable[Sequence[Any]]) -> PlatformSplit:
    """The split from :func:`active_people`'s row and :func:`active_by_platform`'s rows."""
    return PlatformSplit(int(people[0] or 0), int(people[1] or 0), {str(p): int(n or 0) for p, n, _l in rows})
