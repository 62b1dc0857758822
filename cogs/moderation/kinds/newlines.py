"""Walls of text: more line breaks than allowed."""

from __future__ import annotations

from cogs.moderation.activity import Seen
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """Too many line breaks."""
    if rule.newlines is None:
        return None
    count = seen.facts.text.count("\n")
    return f"{count} line breaks (max {rule.newlines.max})" if count > rule.newlines.max else None
