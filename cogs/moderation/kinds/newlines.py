"""Walls of text: more line breaks than allowed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """Too many line breaks."""
    if rule.newlines is None:
        return None
    count = seen.facts.text.count("\n")
    return f"{count} line breaks (max {rule.newlines.max})" if count > rule.newlines.max else None


def screen(rules: Sequence[Rule]) -> Callable[[MessageFacts, Tracker], bool]:
    """More line breaks than the lowest limit."""
    most = min(r.newlines.max for r in rules if r.newlines is not None)
    return lambda facts, tracker: "\n" in facts.text and facts.text.count("\n") > most
