"""What the rules look at: one message's facts, and a tracker of recent activity (flood, repeats)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple


@dataclass(slots=True)
class MessageFacts:
    """What the rules look at in one message (never changed once made: not frozen only because a frozen
    dataclass of eleven fields costs microseconds to build, on every message)."""

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
        """Remember one message (``normalised``: its normalised text, for repeat rules, which collapse its
        whitespace when they compare it)."""
        at, author = facts.at, facts.author
        # looked up before a deque is made: setdefault would build one for every message
        times = self.member_times.get(author)
        if times is None:
            times = self.member_times[author] = deque(maxlen=self.keep)
        times.append(at)
        times = self.channel_times.get(facts.channel)
        if times is None:
            times = self.channel_times[facts.channel] = deque(maxlen=self.keep)
        times.append(at)
        if normalised is not None:
            texts = self.member_texts.get(author)
            if texts is None:
                texts = self.member_texts[author] = deque(maxlen=self.keep)
            texts.append((at, normalised))
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


class Seen(NamedTuple):
    """What a rule-kind check may look at: the message, recent activity, the shipped scam domains
    (a tuple: made for every message)."""

    facts: MessageFacts
    tracker: Tracker
    scam_domains: frozenset[str]
