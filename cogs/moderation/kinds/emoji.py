"""Emoji spam: more emoji (custom, :shortcodes: or Unicode) than allowed."""

from __future__ import annotations

import re

from cogs.moderation.activity import Seen
from cogs.moderation.settings import Rule

_EMOJI = re.compile(r"<a?:\w{2,32}:\d{5,25}>|:[a-z0-9_+-]{2,32}:|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
# the lowest character _EMOJI takes as an emoji by itself: text without one holds emoji only as ``:code:``
# or ``<:name:id>``, two colons each
LOWEST = "\u2600"


def check(rule: Rule, seen: Seen) -> str | None:
    """Too many emoji."""
    if rule.emoji is None:
        return None
    count = len(_EMOJI.findall(seen.facts.text))
    return f"{count} emoji (max {rule.emoji.max})" if count > rule.emoji.max else None
