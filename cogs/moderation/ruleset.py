"""The rule set: one settings object's rules worked out once for the message path. Pure, no I/O.

Most messages break no rule, so what a clean message costs is what this module is about: the
compiled engine answers the text rules in one pass, and one screen (:mod:`cogs.moderation.screen`)
answers for every other rule kind, in one pass too, which rules could fire at all; only those, and
the rules the engine hit, are checked one by one. A
reload builds a new settings object, and with it a new rule set (the cog keeps the one that
belongs to the settings it runs on).
"""

from __future__ import annotations

from dataclasses import dataclass

from cogs.moderation.activity import MessageFacts, Seen, Tracker
from cogs.moderation.kinds import KINDS, Check
from cogs.moderation.matcher import Engine
from cogs.moderation.rules import Hit
from cogs.moderation.screen import Screen, build_screen
from cogs.moderation.settings import ModerationSettings, Rule


@dataclass(frozen=True, slots=True)
class _Plan:
    index: int
    rule: Rule
    channels: frozenset[str]
    exempt: frozenset[str]
    checks: tuple[Check, ...]


class RuleSet:
    """The message rules of one settings object, with everything a message needs read off once."""

    __slots__ = ("_plans", "_screen", "empty", "engine", "needs_age", "scam_domains", "settings", "wants_repeats")

    def __init__(self, settings: ModerationSettings) -> None:
        self.settings = settings
        self.engine: Engine = settings.engine
        self.needs_age: bool = settings.needs_age
        self.wants_repeats: bool = settings.wants_repeats
        self.scam_domains: frozenset[str] = settings.scam_domains
        self._plans = tuple(
            _Plan(index, rule, frozenset(rule.channels), frozenset(rule.exempt_channels),
                  tuple(KINDS[kind].check for kind in rule.other_kinds))
            for index, rule, _other in settings.message_rules)
        self._screen: Screen | None = build_screen([(p.index, p.rule) for p in self._plans])
        self.empty: bool = self.engine.empty and self._screen is None

    def evaluate(self, facts: MessageFacts, tracker: Tracker, text_hits: dict[int, str]) -> list[Hit]:
        """Every rule this message breaks (text hits come from the engine, by rule index), as
        :func:`cogs.moderation.rules.evaluate` finds them, in rule order."""
        candidates = self._screen(facts, tracker) if self._screen is not None else 0
        if not candidates and not text_hits:
            return []  # the common case: nothing to look at more closely
        for index in text_hits:
            candidates |= 1 << index
        hits: list[Hit] = []
        seen = Seen(facts, tracker, self.scam_domains)
        channel = facts.channel_name
        for plan in self._plans:
            if not candidates >> plan.index & 1:
                continue
            if (plan.channels and channel not in plan.channels) or channel in plan.exempt:
                continue
            detail: str | None = None
            if plan.index in text_hits:
                detail = f"matched “{text_hits[plan.index]}”"
            else:
                for check in plan.checks:
                    detail = check(plan.rule, seen)
                    if detail is not None:
                        break
            if detail is not None:
                hits.append(Hit(plan.index, plan.rule.name, detail, plan.rule.shadow))
        return hits
