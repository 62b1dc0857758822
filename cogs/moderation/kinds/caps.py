"""Shouting: the share of capital letters in a long enough message."""

from __future__ import annotations

import re

from cogs.moderation.activity import Seen
from cogs.moderation.settings import Rule

_LETTERS = re.compile(r"[^\W\d_]")
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))


def check(rule: Rule, seen: Seen) -> str | None:
    """Too many capitals."""
    spec = rule.caps
    if spec is None:
        return None
    text = seen.facts.text
    # capitals are letters, so too few of them settle it before the letters are counted
    if len(text) < spec.min_length or sum(map(str.isupper, text)) < spec.ratio * spec.min_length:
        return None
    letters = _LETTERS.findall(text)
    if len(letters) >= spec.min_length:
        upper = sum(1 for c in letters if c.isupper())
        if upper / len(letters) >= spec.ratio:
            return f"{round(100 * upper / len(letters))}% capitals"
    return None


def enough_capitals(text: str, plain: bool, capitals: float) -> bool:
    """Whether the text holds at least ``capitals`` capital letters (``plain``: it is ASCII)."""
    if plain:  # counted in C: the bytes less those left once capitals are dropped
        data = text.encode("ascii")
        return len(data) - len(data.translate(None, _ASCII_UPPER)) >= capitals
    return sum(map(str.isupper, text)) >= capitals
