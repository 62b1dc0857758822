"""The rule kinds other than words and regexes: one module each, behind one registry.

Each module's ``check(rule, seen)`` returns the evidence in words when the message breaks the
rule's part of that kind, else None; its ``screen(rules)`` gives a cheap test that is true for
every message where ``check`` could return evidence for one of those rules (it may be true more
often, never less), so that a clean message skips the kind altogether. :data:`KINDS` lists them
in the order they are tried, by the config key that turns them on (as python-discord's
filtering registers its filter types).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.kinds import age, attachments, caps, chars, emoji, flood, links, mentions, newlines, repeats
from cogs.moderation.settings import Rule

Check = Callable[[Rule, Seen], str | None]
Screen = Callable[[MessageFacts, Tracker], bool]


class Kind(NamedTuple):
    """One rule kind: its check, and how to build the screen for the rules that have it."""

    check: Check
    screen: Callable[[Sequence[Rule]], Screen]


KINDS: dict[str, Kind] = {
    name: Kind(module.check, module.screen) for name, module in (
        ("links", links), ("mentions", mentions), ("flood", flood), ("repeats", repeats), ("caps", caps),
        ("emoji", emoji), ("newlines", newlines), ("chars", chars), ("attachments", attachments), ("age", age))
}
