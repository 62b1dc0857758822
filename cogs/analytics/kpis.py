"""The KPIs of one period as plain data, and the arithmetic done on query results (no I/O)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

GROWING, STEADY, DYING = "growing", "steady", "dying"


@dataclass(frozen=True, slots=True)
class Cohort:
    """Members who joined in one week and how many were active in week 1 and week 4."""

    week_of: date
    members: int
    week1_eligible: int
    week1_active: int
    week4_eligible: int
    week4_active: int

    @property
    def week1(self) -> float | None:
        """Week-1 retention (None until a member's first week has ended)."""
        return ratio(self.week1_active, self.week1_eligible)

    @property
    def week4(self) -> float | None:
        """Week-4 retention."""
        return ratio(self.week4_active, self.week4_eligible)


@dataclass(frozen=True, slots=True)
class Channel:
    """One channel's messages now and in the period before, and its verdict."""

    name: str
    messages: int
    before: int
    active: int
    health: str


@dataclass(frozen=True, slots=True)
class EventFigures:
    """Going versus attended and ratings of one event."""

    event: str
    going: int
    attended: int
    rating: float | None
    ratings: int


@dataclass(frozen=True, slots=True)
class Source:
    """Joins and 30-day retention of one join source or campaign."""

    source: str
    joins: int
    eligible: int
    retained: int

    @property
    def retention(self) -> float | None:
        """Share of those 30 days in who were still active."""
        return ratio(self.retained, self.eligible)


@dataclass(frozen=True, slots=True)
class Contributor:
    """A top contributor: the person, their label and what they did."""

    person: int
    label: str
    messages: int
    replies: int
    reactions_received: int


@dataclass
class Kpis:
    """Every KPI of one community over one period."""

    community: str
    start: date
    end: date  # exclusive
    has_data: bool = False
    daily: list[tuple[date, int]] = field(default_factory=list)
    dau: float = 0.0
    wau: int = 0
    mau: int = 0
    messages: int = 0
    replies: int = 0
    reactions: int = 0
    reactions_received: int = 0
    mentions: int = 0
    new: int = 0
    left: int = 0
    returning: int = 0
    churned: int = 0
    cohorts: list[Cohort] = field(default_factory=list)
    funnel: list[tuple[str, int]] = field(default_factory=list)
    first_message: float | None = None  # median seconds from joining
    questions: int = 0
    answered: int = 0
    first_reply: float | None = None  # median seconds
    top: list[Contributor] = field(default_factory=list)
    channels: list[Channel] = field(default_factory=list)
    cases: list[tuple[str, bool, int]] = field(default_factory=list)
    moderators: list[tuple[str, int]] = field(default_factory=list)  # (who, cases they opened), most first
    time_to_action: float | None = None  # median seconds from a report or message to a moderator's case
    appeals: int = 0
    overturned: int = 0
    events: list[EventFigures] = field(default_factory=list)
    feedback_new: int = 0
    feedback_shipped: int = 0
    feedback_votes: int = 0
    feedback_first_status: float | None = None  # median seconds
    sources: list[Source] = field(default_factory=list)
    platforms: str = ""  # active people per platform, each once: ``10 people: discord 7, slack 4 (1 linked, ...)``

    @property
    def stickiness(self) -> float | None:
        """DAU/MAU: the average day's active members over the last 30 days' active members."""
        return None if not self.mau else self.dau / self.mau


def ratio(part: int, whole: int) -> float | None:
    """``part / whole``, None when there is no whole."""
    return None if not whole else part / whole


def median(values: Sequence[float]) -> float | None:
    """The median, None for no values."""
    return None if not values else float(statistics.median(values))


def mean_dau(daily: Sequence[tuple[object, int]], days: int) -> float:
    """The average distinct active members per day over ``days`` (days with nobody count as 0)."""
    return 0.0 if days <= 0 else sum(n for _d, n in daily) / days


def health(now: int, before: int) -> str:
    """Growing (over +25%), dying (under half of before), else steady; a new channel is growing."""
    if before == 0:
        return GROWING if now > 0 else STEADY
    change = now / before
    if change > 1.25:
        return GROWING
    if change < 0.5:
        return DYING
    return STEADY
