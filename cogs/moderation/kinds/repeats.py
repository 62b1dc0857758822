"""Repeats: the same (normalised) message N times within T."""

from __future__ import annotations

from cogs.moderation.activity import Seen
from cogs.moderation.normalise import normalise
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """The member said the same thing too often."""
    spec, facts = rule.repeats, seen.facts
    if spec is None or facts.edited:
        return None
    history = seen.tracker.member_texts.get(facts.author) or ()
    current = history[-1][1] if history else normalise(facts.text)
    since = facts.at - spec.within
    same = 0
    for at, t in reversed(history):  # newest first, back to the start of the window
        if at < since:
            break
        if t == current and t:
            same += 1
    if same >= spec.count:
        return f"same message {same} times"
    return None
