"""Flood: N messages within T, per member or per channel."""

from __future__ import annotations

from cogs.moderation.activity import Seen, Tracker
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
