"""What the rules look at: one message's facts, and a tracker of recent activity (flood, repeats)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the rules look at in one message."""

    text: str
    author: str
    channel: str
    channel_name: str
    at: datetime
    mentions: int = 0
    everyone: bool = False
    attachments: tuple[str, ...] = ()
    account_age: timedelta | None = None
    membership_age: timedelta | None = None
    edited: bool = False


@dataclass
class Tracker:
    """Recent activity for flood and repeat rules (in memory; a restart forgets it)."""

    member_times: dict[str, deque[datetime]] = field(default_factory=dict)
    channel_times: dict[str, deque[datetime]] = field(default_factory=dict)
    member_texts: dict[str, deque[tuple[datetime, str]]] = field(default_factory=dict)
    keep: int = 50

    def record(self, facts: MessageFacts, normalised: str | None) -> None:
        """Remember one message."""
        self.member_times.setdefault(facts.author, deque(maxlen=self.keep)).append(facts.at)
        self.channel_times.setdefault(facts.channel, deque(maxlen=self.keep)).append(facts.at)
        if normalised is not None:
            self.member_texts.setdefault(facts.author, deque(maxlen=self.keep)).append((facts.at, normalised))
        if len(self.member_times) > 50_000:  # forget the quiet ones rather than grow forever
            self.member_times.clear()
            self.member_texts.clear()

    def forget(self, author: str) -> None:
        """Reset a member's history once they were actioned, so one burst is one case."""
        self.member_times.pop(author, None)
        self.member_texts.pop(author, None)

    @staticmethod
    def count_since(times: deque[datetime] | None, since: datetime) -> int:
        """How many recorded times are at or after ``since``."""
        if not times:
            return 0
        count = 0
        for t in reversed(times):  # newest first; stop at the first one before the window
            if t < since:
                break
            count += 1
        return count


@dataclass(frozen=True, slots=True)
class Seen:
    """What a rule-kind check may look at: the message, recent activity, the shipped scam domains."""

    facts: MessageFacts
    tracker: Tracker
    scam_domains: frozenset[str]
