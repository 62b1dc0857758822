"""The rule kinds other than words and regexes: one module each, behind one registry.

Each module's ``check(rule, seen)`` returns the evidence in words when the message breaks the
rule's part of that kind, else None. Whether a kind could fire at all on a message is asked first,
for every kind in one pass, by :mod:`cogs.moderation.screen` (from helpers some modules keep beside
their check). :data:`KINDS` lists them in the order they are tried, by the config key that turns
them on (as python-discord's filtering registers its filter types).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from cogs.moderation.activity import Seen
from cogs.moderation.kinds import age, attachments, caps, chars, emoji, flood, links, mentions, newlines, repeats
from cogs.moderation.settings import Rule

Check = Callable[[Rule, Seen], str | None]


class Kind(NamedTuple):
    """One rule kind: its check."""

    check: Check


KINDS: dict[str, Kind] = {
    name: Kind(module.check) for name, module in (
        ("links", links), ("mentions", mentions), ("flood", flood), ("repeats", repeats), ("caps", caps),
        ("emoji", emoji), ("newlines", newlines), ("chars", chars), ("attachments", attachments), ("age", age))
}
