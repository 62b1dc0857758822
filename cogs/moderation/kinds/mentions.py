"""Mention spam: too many members mentioned, or an @everyone/@here attempt (in look-alikes too)."""

from __future__ import annotations

import re
import unicodedata

from cogs.moderation.activity import Seen
from cogs.moderation.settings import Rule

_EVERYONE = re.compile(r"@(?:everyone|here)\b", re.IGNORECASE)


def everyone_attempt(text: str) -> bool:
    """``@everyone``/``@here`` typed as text, also in look-alikes (``＠everyone``, zero-width inside)."""
    if "@" in text and _EVERYONE.search(text):
        return True
    if text.isascii():
        return False
    plain = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    return "@" in plain and _EVERYONE.search(plain) is not None


def check(rule: Rule, seen: Seen) -> str | None:
    """An @everyone attempt or more mentions than allowed."""
    spec, facts = rule.mentions, seen.facts
    if spec is None:
        return None
    if spec.everyone and (facts.everyone or everyone_attempt(facts.text)):
        return "@everyone/@here attempt"
    if spec.max is not None and facts.mentions > spec.max:
        return f"{facts.mentions} mentions (max {spec.max})"
    return None


# the characters whose NFKC form holds an ``@`` (tests/cogs/moderation/test_rule_set.py checks every code
# point): without one of them a text has no @everyone attempt
ATS = frozenset("@\ufe6b\uff20")
