"""Repeats: the same (normalised) message N times within T."""

from __future__ import annotations

from cogs.moderation.activity import Seen
from cogs.moderation.normalise import normalise
from cogs.moderation.settings import Rule


def collapsed(text: str) -> str:
    """The text with each run of whitespace made one space, no space at either end: how two messages are
    compared (the tracker keeps them as normalised, so a clean message does not pay for this)."""
    return " ".join(text.split())


def check(rule: Rule, seen: Seen) -> str | None:
    """The member said the same thing too often."""
    spec, facts = rule.repeats, seen.facts
    if spec is None or facts.edited:
        return None
    history = seen.tracker.member_texts.get(facts.author) or ()
    current = collapsed(history[-1][1] if history else normalise(facts.text))
    since = facts.at - spec.within
    same = 0
    for at, t in reversed(history):  # newest first, back to the start of the window
        if at < since:
            break
        if current and collapsed(t) == current:
            same += 1
    if same >= spec.count:
        return f"same message {same} times"
    return None
