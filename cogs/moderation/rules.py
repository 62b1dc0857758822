"""Rule evaluation for one message: pure, synchronous, no I/O.

Text rules come from the compiled :class:`~cogs.moderation.matcher.Engine`; every other kind
(links, mentions, flood, repeats, caps, emoji, newlines, characters, attachments, age) is one
module of :mod:`cogs.moderation.kinds`, looked up in its registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.kinds import KINDS
from cogs.moderation.settings import ModerationSettings, Rule


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that matched, and the evidence in words."""

    rule: int
    name: str
    detail: str
    shadow: bool = False


def applies(rule: Rule, channel_name: str) -> bool:
    """Whether a rule is on and covers this channel."""
    if not rule.enabled:
        return False
    if rule.channels and channel_name not in rule.channels:
        return False
    return channel_name not in rule.exempt_channels


def _check_other(rule: Rule, seen: Seen) -> str | None:
    for kind in rule.other_kinds:  # only the kinds this rule has, in the registry's order
        detail = KINDS[kind].check(rule, seen)
        if detail is not None:
            return detail
    return None


def evaluate(settings: ModerationSettings, facts: MessageFacts, tracker: Tracker,
             text_hits: dict[int, str]) -> list[Hit]:
    """Every rule this message breaks (text hits come from the engine, by rule index)."""
    hits: list[Hit] = []
    seen: Seen | None = None
    channel = facts.channel_name
    for index, rule, has_other in settings.message_rules:  # enabled message rules, worked out at load
        if (rule.channels and channel not in rule.channels) or channel in rule.exempt_channels:
            continue
        if index in text_hits:
            detail: str | None = f"matched “{text_hits[index]}”"
        elif has_other:
            seen = seen or Seen(facts, tracker, settings.scam_domains)
            detail = _check_other(rule, seen)
        else:
            continue
        if detail is not None:
            hits.append(Hit(index, rule.name, detail, rule.shadow))
    return hits


def needs_age(settings: ModerationSettings) -> bool:
    """Whether any rule looks at account or membership age (a member lookup per message)."""
    return settings.needs_age

