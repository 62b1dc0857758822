"""Rule evaluation for one message: pure, synchronous, no I/O.

Text rules come from the compiled :class:`~cogs.moderation.matcher.Engine`; everything else
(links, mentions, flood, repeats, caps, emoji, newlines, characters, attachments, age) is
checked here against :class:`MessageFacts` and a :class:`Tracker` of recent activity.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cogs.moderation.links import find_invites, find_links, listed
from cogs.moderation.normalise import normalise
from cogs.moderation.settings import ModerationSettings, Rule

_EMOJI = re.compile(r"<a?:\w{2,32}:\d{5,25}>|:[a-z0-9_+-]{2,32}:|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the rules look at in one message."""

    text: str
    author: str
    channel: str
    channel_name: str
    at: datetime
    mentions: int = 0
    everyone: bool = False
    attachments: tuple[str, ...] = ()
    account_age: timedelta | None = None
    membership_age: timedelta | None = None
    edited: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that matched, and the evidence in words."""

    rule: int
    name: str
    detail: str
    shadow: bool = False


@dataclass
class Tracker:
    """Recent activity for flood and repeat rules (in memory; a restart forgets it)."""

    member_times: dict[str, deque[datetime]] = field(default_factory=dict)
    channel_times: dict[str, deque[datetime]] = field(default_factory=dict)
    member_texts: dict[str, deque[tuple[datetime, str]]] = field(default_factory=dict)
    keep: int = 50

    def record(self, facts: MessageFacts, normalised: str | None) -> None:
        """Remember one message."""
        self.member_times.setdefault(facts.author, deque(maxlen=self.keep)).append(facts.at)
        self.channel_times.setdefault(facts.channel, deque(maxlen=self.keep)).append(facts.at)
        if normalised is not None:
            self.member_texts.setdefault(facts.author, deque(maxlen=self.keep)).append((facts.at, normalised))
        if len(self.member_times) > 50_000:  # forget the quiet ones rather than grow forever
            self.member_times.clear()
            self.member_texts.clear()

    def forget(self, author: str) -> None:
        """Reset a member's history once they were actioned, so one burst is one case."""
        self.member_times.pop(author, None)
        self.member_texts.pop(author, None)

    @staticmethod
    def count_since(times: deque[datetime] | None, since: datetime) -> int:
        """How many recorded times are at or after ``since``."""
        if not times:
            return 0
        return sum(1 for t in times if t >= since)


_EVERYONE = re.compile(r"@(?:everyone|here)\b", re.IGNORECASE)


def everyone_attempt(text: str) -> bool:
    """``@everyone``/``@here`` typed as text, also in look-alikes (``＠everyone``, zero-width inside)."""
    if "@" in text and _EVERYONE.search(text):
        return True
    if text.isascii():
        return False
    plain = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    return "@" in plain and _EVERYONE.search(plain) is not None


def applies(rule: Rule, channel_name: str) -> bool:
    """Whether a rule is on and covers this channel."""
    if not rule.enabled:
        return False
    if rule.channels and channel_name not in rule.channels:
        return False
    return channel_name not in rule.exempt_channels


def _check_other(rule: Rule, facts: MessageFacts, tracker: Tracker, scam: frozenset[str]) -> str | None:
    text = facts.text
    if rule.links is not None:
        spec = rule.links
        if spec.invites:
            codes = [c for c in find_invites(text) if c not in spec.allow_invites]
            if codes:
                return f"invite link ({codes[0]})"
        if spec.denied or spec.scam_domains or spec.allow_only:
            for link in find_links(text):
                if spec.allowed and listed(link.domain, spec.allowed):
                    continue
                if listed(link.domain, spec.denied):
                    return f"denied domain {link.domain}"
                # a known scam domain named in a sentence ("dlscord.gift is a scam, don't click") is a
                # warning to others, not a link: only a scheme, www. or a path makes it one
                if spec.scam_domains and link.explicit and listed(link.domain, scam):
                    return f"known scam domain {link.domain}"
                if spec.allow_only and link.explicit:
                    return f"domain not allowed: {link.domain}"
    if rule.mentions is not None:
        if rule.mentions.everyone and (facts.everyone or everyone_attempt(text)):
            return "@everyone/@here attempt"
        if rule.mentions.max is not None and facts.mentions > rule.mentions.max:
            return f"{facts.mentions} mentions (max {rule.mentions.max})"
    if rule.flood is not None and not facts.edited:
        since = facts.at - rule.flood.within
        source = tracker.member_times if rule.flood.per == "member" else tracker.channel_times
        key = facts.author if rule.flood.per == "member" else facts.channel
        count = Tracker.count_since(source.get(key), since)
        if count >= rule.flood.messages:
            return f"{count} messages in {int(rule.flood.within.total_seconds())}s ({rule.flood.per})"
    if rule.repeats is not None and not facts.edited:
        since = facts.at - rule.repeats.within
        history = tracker.member_texts.get(facts.author) or ()
        current = history[-1][1] if history else normalise(text)
        same = sum(1 for at, t in history if at >= since and t == current and t)
        if same >= rule.repeats.count:
            return f"same message {same} times"
    if rule.caps is not None:
        letters = _LETTERS.findall(text)
        if len(letters) >= rule.caps.min_length:
            upper = sum(1 for c in letters if c.isupper())
            if upper / len(letters) >= rule.caps.ratio:
                return f"{round(100 * upper / len(letters))}% capitals"
    if rule.emoji is not None:
        count = len(_EMOJI.findall(text))
        if count > rule.emoji.max:
            return f"{count} emoji (max {rule.emoji.max})"
    if rule.newlines is not None:
        count = text.count("\n")
        if count > rule.newlines.max:
            return f"{count} line breaks (max {rule.newlines.max})"
    if rule.chars is not None:
        if rule.chars.max_length is not None and len(text) > rule.chars.max_length:
            return f"{len(text)} characters (max {rule.chars.max_length})"
        if rule.chars.max_repeat is not None:
            run = re.search(r"(.)\1{" + str(rule.chars.max_repeat - 1) + ",}", text, re.S)
            if run is not None:
                return f"character repeated {len(run.group(0))} times"
    if rule.attachments is not None:
        for name in facts.attachments:
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext in rule.attachments.deny or (rule.attachments.allow and ext not in rule.attachments.allow):
                return f"attachment type .{ext or '?'}"
    if rule.age is not None:
        if rule.age.account is not None and facts.account_age is not None and facts.account_age < rule.age.account:
            return "account too new"
        if (rule.age.membership is not None and facts.membership_age is not None
                and facts.membership_age < rule.age.membership):
            return "joined too recently"
    return None


def evaluate(settings: ModerationSettings, facts: MessageFacts, tracker: Tracker,
             text_hits: dict[int, str]) -> list[Hit]:
    """Every rule this message breaks (text hits come from the engine, by rule index)."""
    hits: list[Hit] = []
    for index, rule in enumerate(settings.rules):
        if "messages" not in rule.targets or not applies(rule, facts.channel_name):
            continue
        detail = None
        if index in text_hits:
            detail = f"matched “{text_hits[index]}”"
        else:
            detail = _check_other(rule, facts, tracker, settings.scam_domains)
        if detail is not None:
            hits.append(Hit(index, rule.name, detail, rule.shadow))
    return hits


def needs_age(settings: ModerationSettings) -> bool:
    """Whether any rule looks at account or membership age (a member lookup per message)."""
    return any(r.age is not None and r.enabled for r in settings.rules)

