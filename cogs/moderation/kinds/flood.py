"""Flood: N messages within T, per member or per channel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """Too many messages in the window (edits are not new messages)."""
    spec, facts = rule.flood, seen.facts
    if spec is None or facts.edited:
        return None
    source = seen.tracker.member_times if spec.per == "member" else seen.tracker.channel_times
    key = facts.author if spec.per == "member" else facts.channel
    count = Tracker.count_since(source.get(key), facts.at - spec.within)
    if count >= spec.messages:
        return f"{count} messages in {int(spec.within.total_seconds())}s ({spec.per})"
    return None


def screen(rules: Sequence[Rule]) -> Callable[[MessageFacts, Tracker], bool]:
    """The Nth newest message inside the window (times are kept newest last), for any of these rules."""
    specs = [(r.flood.per == "member", r.flood.messages, r.flood.within) for r in rules if r.flood is not None]

    def could(facts: MessageFacts, tracker: Tracker) -> bool:
        if facts.edited:
            return False
        for per_member, messages, within in specs:
            times = tracker.member_times.get(facts.author) if per_member else tracker.channel_times.get(facts.channel)
            if times is not None and len(times) >= messages and times[-messages] >= facts.at - within:
                return True
        return False
    return could
