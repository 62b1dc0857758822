"""The screen: which rules' other kinds could fire on a message, in one pass. Pure, no I/O.

Most messages break no rule, and a clean message must cost little: rather than ask each kind in
turn (a call, and the message's text and length read again, for each of ten kinds), one function
built per rule set reads the message once and tests every kind's cheapest necessary condition in
line, from the limits of the most lenient rule of each kind. It may say "could" more often than a
check fires, never less (tests/cogs/moderation/test_rule_set.py compares the screened path with
every check). What it answers is a bit mask of rule indices: the rules worth checking one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cogs.moderation.activity import MessageFacts, Tracker
from cogs.moderation.kinds.caps import enough_capitals
from cogs.moderation.kinds.chars import could_repeat
from cogs.moderation.kinds.emoji import LOWEST
from cogs.moderation.kinds.links import domainish
from cogs.moderation.kinds.mentions import ATS
from cogs.moderation.settings import Rule

Screen = Callable[[MessageFacts, Tracker], int]


def _mask(plans: Sequence[tuple[int, Rule]], kind: str) -> tuple[int, list[Rule]]:
    having = [(i, r) for i, r in plans if getattr(r, kind) is not None]
    mask = 0
    for i, _rule in having:
        mask |= 1 << i
    return mask, [r for _i, r in having]


def build_screen(plans: Sequence[tuple[int, Rule]]) -> Screen | None:
    """The one-pass screen for these (index, rule) pairs; None when no rule has a kind to screen."""
    links, _ = _mask(plans, "links")
    mentions, mention_rules = _mask(plans, "mentions")
    everyone = any(r.mentions.everyone for r in mention_rules if r.mentions is not None)
    limits = [r.mentions.max for r in mention_rules if r.mentions is not None and r.mentions.max is not None]
    most_mentions = min(limits, default=None)
    flood, flood_rules = _mask(plans, "flood")
    floods = [(r.flood.per == "member", r.flood.messages, r.flood.within) for r in flood_rules if r.flood is not None]
    repeats, repeat_rules = _mask(plans, "repeats")
    repeat_specs = [(r.repeats.count, r.repeats.within) for r in repeat_rules if r.repeats is not None]
    caps, caps_rules = _mask(plans, "caps")
    caps_specs = [r.caps for r in caps_rules if r.caps is not None]
    caps_length = min((s.min_length for s in caps_specs), default=0)
    capitals = min((s.ratio * s.min_length for s in caps_specs), default=0.0)
    emoji, emoji_rules = _mask(plans, "emoji")
    colons = 2 * (min((r.emoji.max for r in emoji_rules if r.emoji is not None), default=0) + 1)
    newlines, newline_rules = _mask(plans, "newlines")
    most_newlines = min((r.newlines.max for r in newline_rules if r.newlines is not None), default=0)
    chars, chars_rules = _mask(plans, "chars")
    chars_specs = [r.chars for r in chars_rules if r.chars is not None]
    longest = min((s.max_length for s in chars_specs if s.max_length is not None), default=None)
    run = min((s.max_repeat for s in chars_specs if s.max_repeat is not None), default=None)
    step = max(1, run // 2) if run is not None else 0
    attachments, _ = _mask(plans, "attachments")
    age, _ = _mask(plans, "age")
    if not (links | mentions | flood | repeats | caps | emoji | newlines | chars | attachments | age):
        return None

    def could(facts: MessageFacts, tracker: Tracker) -> int:
        text = facts.text
        size = len(text)
        plain = text.isascii()
        found = 0
        if links and "." in text and domainish(text):
            found |= links
        if mentions and ((most_mentions is not None and facts.mentions > most_mentions) or (everyone and (
                facts.everyone or "@" in text or (not plain and not ATS.isdisjoint(text))))):
            found |= mentions
        # capitals are cased, so text whose cased characters after the first are all lower case has at most one
        if caps and size >= caps_length and not text.islower() and (capitals <= 1 or not text[1:].islower()) \
                and enough_capitals(text, plain, capitals):
            found |= caps
        if emoji and ((not plain and max(text) >= LOWEST) or (":" in text and text.count(":") >= colons)):
            found |= emoji
        if newlines and "\n" in text and text.count("\n") > most_newlines:
            found |= newlines
        if chars and ((longest is not None and size > longest) or (
                run is not None and size >= run and could_repeat(text, step))):
            found |= chars
        if attachments and facts.attachments:
            found |= attachments
        if age and (facts.account_age is not None or facts.membership_age is not None):
            found |= age
        if facts.edited:  # flood and repeats count new messages only
            return found
        if flood:
            at, author, channel = facts.at, facts.author, facts.channel
            for per_member, messages, within in floods:
                times = tracker.member_times.get(author) if per_member else tracker.channel_times.get(channel)
                if times is not None and len(times) >= messages and times[-messages] >= at - within:
                    found |= flood
                    break
        if repeats:
            history = tracker.member_texts.get(facts.author)
            if not history:  # a check without history (a line tried alone) always goes on
                found |= repeats
            else:
                at = facts.at
                for count, within in repeat_specs:
                    if len(history) >= count and history[-count][0] >= at - within:
                        found |= repeats
                        break
        return found
    return could
