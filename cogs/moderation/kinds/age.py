"""New accounts and new members: younger than the rule allows."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.settings import Rule


def check(rule: Rule, seen: Seen) -> str | None:
    """The account or the membership is too new."""
    spec, facts = rule.age, seen.facts
    if spec is None:
        return None
    if spec.account is not None and facts.account_age is not None and facts.account_age < spec.account:
        return "account too new"
    if spec.membership is not None and facts.membership_age is not None and facts.membership_age < spec.membership:
        return "joined too recently"
    return None


def screen(rules: Sequence[Rule]) -> Callable[[MessageFacts, Tracker], bool]:
    """Whether any of these rules' age part may fire: only when an age is known at all."""
    del rules
    return lambda facts, tracker: facts.account_age is not None or facts.membership_age is not None
