"""Repeats: the same (normalised) message N times within T."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cogs.moderation.activity import MessageFacts, Seen, Tracker
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


def screen(rules: Sequence[Rule]) -> Callable[[MessageFacts, Tracker], bool]:
    """The member's Nth newest message inside the window, for any of these rules (a check without
    history, a line tried alone, always goes on)."""
    specs = [(r.repeats.count, r.repeats.within) for r in rules if r.repeats is not None]

    def could(facts: MessageFacts, tracker: Tracker) -> bool:
        if facts.edited:
            return False
        history = tracker.member_texts.get(facts.author)
        if not history:
            return True
        for count, within in specs:
            if len(history) >= count and history[-count][0] >= facts.at - within:
                return True
        return False
    return could
