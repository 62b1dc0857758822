"""Ranking for the product team: one documented score, "top this week" and "biggest movers".

The score of an item at time ``t``, from the signals up to ``t``::

    score = (members_weight * log2(1 + unique members)
             + votes_weight * log2(1 + Σ over votes of 0.5 ** (age_days / half_life_days)))
            * (1 + pain_weight * max(0, -sentiment))

- unique members: distinct people who raised the item in any way (submitted it, voted, had a
  duplicate merged into it, reacted): breadth of demand, counted once per person;
- votes, one per member (their latest), each decayed by its age (half-life ``half_life_days``):
  current demand, so an item that was popular a year ago sinks below one people ask for this month;
- both on a log scale: the hundredth vote adds less than the second, so a few loud items do not
  drown the rest;
- sentiment: VADER's compound score of the item's text in [-1, 1]; a frustrated report ("the app
  crashes, unusable") weighs up to ``1 + pain_weight`` times a neutral one with the same support,
  positive text is not penalised.

"Top this week" ranks open items by the score of the last seven days' signals alone;
"biggest movers" by how much the full score rose over those seven days.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

WEEK = timedelta(days=7)


class SignalKind(enum.StrEnum):
    """How a member showed interest in an item."""

    SUBMITTED = "submitted"
    VOTED = "voted"
    MERGED = "merged"  # their duplicate was merged into this item
    REACTED = "reacted"


@dataclass(frozen=True, slots=True)
class Signal:
    """One member's interest in one item, at one time."""

    item_id: int
    person: Hashable  # the core's person id: one member across platforms
    at: datetime
    kind: SignalKind = SignalKind.VOTED


@dataclass(frozen=True, slots=True)
class RankedItem:
    """What ranking needs of an item: its id, whether it is open, its text's sentiment."""

    id: int
    open: bool = True
    sentiment: float = 0.0


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """The score's knobs (defaults documented in the module docstring)."""

    members_weight: float = 1.0
    votes_weight: float = 1.0
    half_life_days: float = 14.0
    pain_weight: float = 0.5


@dataclass(frozen=True, slots=True)
class Ranked:
    """An item's place: its score now and, for movers, the rise over the window."""

    item_id: int
    score: float
    change: float = 0.0


class SentimentScorer:
    """VADER's compound score (its lexicon ships in the package; loaded once per scorer)."""

    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def compound(self, text: str) -> float:
        """The text's sentiment in [-1, 1] (0 for empty text)."""
        if not text.strip():
            return 0.0
        return float(self._analyzer.polarity_scores(text[:5000])["compound"])


def score(item: RankedItem, signals: Iterable[Signal], at: datetime,
          weights: ScoreWeights = ScoreWeights(), since: datetime | None = None) -> float:
    """The item's score at ``at`` from its signals in (``since``, ``at``] (all up to ``at`` by default)."""
    members: set[Hashable] = set()
    voted: dict[Hashable, datetime] = {}  # one vote per member: their latest counts
    for s in signals:
        if s.item_id != item.id or s.at > at or (since is not None and s.at <= since):
            continue
        members.add(s.person)
        if s.kind is SignalKind.VOTED and (s.person not in voted or s.at > voted[s.person]):
            voted[s.person] = s.at
    # fsum is correctly rounded, so the score never depends on the order signals arrive in.
    decayed = math.fsum(0.5 ** ((at - when).total_seconds() / 86400 / weights.half_life_days)
                        for when in voted.values())
    base = weights.members_weight * math.log2(1 + len(members)) + weights.votes_weight * math.log2(1 + decayed)
    pain = max(0.0, -max(-1.0, min(1.0, item.sentiment)))
    return base * (1 + weights.pain_weight * pain)


def _by_item(signals: Iterable[Signal]) -> dict[int, list[Signal]]:
    out: dict[int, list[Signal]] = {}
    for s in signals:
        out.setdefault(s.item_id, []).append(s)
    return out


def rank(items: Iterable[RankedItem], signals: Iterable[Signal], now: datetime,
         weights: ScoreWeights = ScoreWeights(), limit: int | None = None) -> list[Ranked]:
    """Open items by score now, best first (ties: lower id first)."""
    grouped = _by_item(signals)
    out = [Ranked(i.id, score(i, grouped.get(i.id, []), now, weights)) for i in items if i.open]
    out.sort(key=lambda r: (-r.score, r.item_id))
    return out[:limit]


def top_this_week(items: Iterable[RankedItem], signals: Iterable[Signal], now: datetime,
                  weights: ScoreWeights = ScoreWeights(), limit: int = 5) -> list[Ranked]:
    """Open items by the score of the last seven days' signals; items with none are left out."""
    grouped = _by_item(signals)
    out = [Ranked(i.id, score(i, grouped.get(i.id, []), now, weights, since=now - WEEK)) for i in items if i.open]
    out = [r for r in out if r.score > 0]
    out.sort(key=lambda r: (-r.score, r.item_id))
    return out[:limit]


def biggest_movers(items: Iterable[RankedItem], signals: Iterable[Signal], now: datetime,
                   weights: ScoreWeights = ScoreWeights(), limit: int = 5) -> list[Ranked]:
    """Open items whose score rose most over the last seven days (only rises are listed)."""
    grouped = _by_item(signals)
    out = []
    for item in items:
        if not item.open:
            continue
        mine = grouped.get(item.id, [])
        now_score = score(item, mine, now, weights)
        change = now_score - score(item, mine, now - WEEK, weights)
        if change > 1e-9:
            out.append(Ranked(item.id, now_score, change))
    out.sort(key=lambda r: (-r.change, r.item_id))
    return out[:limit]
