"""New accounts and new members: younger than the rule allows."""

from __future__ import annotations

from cogs.moderation.activity import Seen
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
