"""Emoji spam: more emoji (custom, :shortcodes: or Unicode) than allowed."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.settings import Rule

_EMOJI = re.compile(r"<a?:\w{2,32}:\d{5,25}>|:[a-z0-9_+-]{2,32}:|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_LOWEST = "\u2600"  # the lowest character _EMOJI takes as an emoji by itself


def check(rule: Rule, seen: Seen) -> str | None:
    """Too many emoji."""
    if rule.emoji is None:
        return None
    count = len(_EMOJI.findall(seen.facts.text))
    return f"{count} emoji (max {rule.emoji.max})" if count > rule.emoji.max else None


def screen(rules: Sequence[Rule]) -> Callable[[MessageFacts, Tracker], bool]:
    """Text with no character from U+2600 up holds emoji only as ``:code:`` or ``<:name:id>``, two colons
    each: too few colons settle it."""
    colons = 2 * (min(r.emoji.max for r in rules if r.emoji is not None) + 1)

    def could(facts: MessageFacts, tracker: Tracker) -> bool:
        text = facts.text
        if not text.isascii() and max(text) >= _LOWEST:
            return True
        return ":" in text and text.count(":") >= colons
    return could
