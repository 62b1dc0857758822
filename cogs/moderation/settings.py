"""The ``moderation`` config section: rules, escalation, raid, DMs and appeals.

Validation compiles everything the message path needs (one RE2 set for all word and regex
rules), so a bad pattern is refused at load with its config line and a reload swaps the
compiled engine with the settings object.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.actions import MAX_DELETE_HISTORY
from bot.config.types import Bool, ChannelName, Duration, RoleName, StrictModel
from bot.durations import DurationError, parse_duration
from cogs.moderation.actions import ACTION_KINDS, ActionSpec, parse_action
from cogs.moderation.links import read_domain_file
from cogs.moderation.matcher import Engine, TextRule, build_engine, check_regex, word_pattern
from cogs.moderation.wordfiles import read_word_file, resolve_config_file


def _action(value: Any) -> ActionSpec:
    if isinstance(value, ActionSpec):
        return value
    return parse_action(value)


Action = Annotated[ActionSpec, BeforeValidator(_action)]
Regex = Annotated[str, AfterValidator(check_regex)]


def _existing_file(value: str) -> str:
    resolve_config_file(value)  # raises ValueError naming where it looked
    return value


ConfigFile = Annotated[str, AfterValidator(_existing_file)]


class LinkRule(StrictModel):
    """Links: invites to other servers, denied or non-allowed domains, known scam domains."""

    invites: Bool = False
    deny: list[str] = Field(default_factory=list)
    deny_files: list[ConfigFile] = Field(default_factory=list)
    scam_domains: Bool = False
    allow: list[str] = Field(default_factory=list)
    allow_only: Bool = False
    allow_invites: list[str] = Field(default_factory=list)
    _denied: frozenset[str] = PrivateAttr(default=frozenset())
    _allowed: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("deny", "allow")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return [d.strip().lower().removeprefix("www.") for d in value if d.strip()]

    def model_post_init(self, context: Any, /) -> None:
        """Read the deny files once, at load."""
        denied = set(self.deny)
        for name in self.deny_files:
            denied.update(read_domain_file(name))
        self._denied = frozenset(denied)
        self._allowed = frozenset(self.allow)

    @property
    def denied(self) -> frozenset[str]:
        """Inline and file-listed denied domains."""
        return self._denied

    @property
    def allowed(self) -> frozenset[str]:
        """Allowed domains."""
        return self._allowed


class MentionRule(StrictModel):
    """Mention spam: too many unique members, or any @everyone/@here attempt."""

    max: int | None = Field(default=None, ge=1)
    everyone: Bool = False


class FloodRule(StrictModel):
    """N messages in T seconds, per member or per channel."""

    messages: int = Field(ge=2)
    within: Duration
    per: Literal["member", "channel"] = "member"


class RepeatRule(StrictModel):
    """The same (normalised) message N times within T."""

    count: int = Field(default=3, ge=2)
    within: Duration = timedelta(minutes=1)


class CapsRule(StrictModel):
    """Share of upper-case letters."""

    ratio: float = Field(default=0.7, gt=0, le=1)
    min_length: int = Field(default=12, ge=1)


class MaxRule(StrictModel):
    """A maximum count (emoji, newlines)."""

    max: int = Field(ge=0)


class CharRule(StrictModel):
    """Character spam: one character repeated, or an over-long message."""

    max_repeat: int | None = Field(default=None, ge=2)
    max_length: int | None = Field(default=None, ge=1)


class AttachmentRule(StrictModel):
    """Attachment types by extension (without the dot)."""

    deny: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)

    @field_validator("deny", "allow")
    @classmethod
    def _ext(cls, value: list[str]) -> list[str]:
        return [e.strip().lower().lstrip(".") for e in value if e.strip()]


class AgeRule(StrictModel):
    """Accounts or memberships younger than this."""

    account: Duration | None = None
    membership: Duration | None = None


Target = Literal["messages", "names"]


def _messages_only() -> list[Target]:
    return ["messages"]


TEXT_KINDS = ("words", "words_file", "regex")
CHANNEL_ACTIONS = ("slowmode", "alert")
OTHER_KINDS = ("links", "mentions", "flood", "repeats", "caps", "emoji", "newlines", "chars",
               "attachments", "age")


class Rule(StrictModel):
    """One rule: what it matches, where, and what happens."""

    name: str = Field(min_length=1, max_length=60)
    enabled: Bool = True
    shadow: Bool = False
    reason: str | None = None
    actions: list[Action] = Field(min_length=1)
    channels: list[ChannelName] = Field(default_factory=list)
    exempt_channels: list[ChannelName] = Field(default_factory=list)
    exempt_roles: list[RoleName] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=_messages_only, min_length=1)
    words: list[str] = Field(default_factory=list)
    words_file: ConfigFile | None = None
    allow: list[str] = Field(default_factory=list)
    regex: list[Regex] = Field(default_factory=list)
    raw: Bool = False
    links: LinkRule | None = None
    mentions: MentionRule | None = None
    flood: FloodRule | None = None
    repeats: RepeatRule | None = None
    caps: CapsRule | None = None
    emoji: MaxRule | None = None
    newlines: MaxRule | None = None
    chars: CharRule | None = None
    attachments: AttachmentRule | None = None
    age: AgeRule | None = None

    @model_validator(mode="after")
    def _has_a_kind(self) -> Rule:
        if not any(getattr(self, k) for k in TEXT_KINDS + OTHER_KINDS):
            raise ValueError("a rule needs something to match: one of " + ", ".join(TEXT_KINDS + OTHER_KINDS))
        return self

    @model_validator(mode="after")
    def _channel_rules_act_on_channels(self) -> Rule:
        if self.channel_scoped:
            member = [a.kind for a in self.actions if a.kind not in CHANNEL_ACTIONS]
            if member:
                raise ValueError(f"a `per: channel` flood rule acts on the channel ({', '.join(CHANNEL_ACTIONS)}), "
                                 f"not on whoever posted last: drop {', '.join(member)}")
        return self

    @property
    def other_kinds(self) -> tuple[str, ...]:
        """The kinds besides words and regexes this rule has, in evaluation order."""
        return tuple(k for k in OTHER_KINDS if getattr(self, k) is not None)

    @property
    def channel_scoped(self) -> bool:
        """A rule about a channel, not a member: a channel-wide flood and nothing else to match."""
        others = [k for k in TEXT_KINDS + OTHER_KINDS if k != "flood" and getattr(self, k)]
        return self.flood is not None and self.flood.per == "channel" and not others

    @field_validator("words", "allow")
    @classmethod
    def _real_words(cls, value: list[str]) -> list[str]:
        for i, word in enumerate(value):
            if word.isascii() and any(c.isalnum() for c in word):
                continue  # an ASCII letter or digit always survives normalising: skip the full check
            if word_pattern(word) is None:  # blank, or nothing left once normalised (`**`, `\u200b`)
                raise ValueError(f"entry {i + 1} (`{word[:40]}`) has no letters or digits to match")
        return value

    @property
    def has_text(self) -> bool:
        """Whether the rule has words or regexes."""
        return bool(self.words or self.words_file or self.regex)

    def all_words(self) -> list[str]:
        """Inline words plus the words file."""
        words = list(self.words)
        if self.words_file:
            words.extend(read_word_file(self.words_file))
        return words

    def why(self) -> str:
        """The reason members and the case file see."""
        return self.reason or f"broke the rule “{self.name}”"


def _threshold_key(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            try:
                out[int(k)] = v
            except (TypeError, ValueError):
                raise ValueError(f"threshold `{k}` must be a whole number of points") from None
        return out
    return value


class Escalation(StrictModel):
    """Warning points that expire, and what a total triggers."""

    expire_after: Duration = timedelta(days=30)
    thresholds: Annotated[dict[int, Action], BeforeValidator(_threshold_key)] = Field(default_factory=dict)

    @field_validator("thresholds")
    @classmethod
    def _positive(cls, value: dict[int, ActionSpec]) -> dict[int, ActionSpec]:
        for points, action in value.items():
            if points < 1:
                raise ValueError("thresholds start at 1 point")
            if action.kind in ("delete", "warn", "slowmode"):
                raise ValueError(f"a threshold can't `{action.kind}`; use timeout, kick, ban, alert or dm")
        return dict(sorted(value.items()))


def _raid_action(value: Any) -> Any:
    return _action(value)


class Raid(StrictModel):
    """Joins per minute above a threshold switch raid mode on."""

    enabled: Bool = True
    joins: int = Field(default=10, ge=2)
    within: Duration = timedelta(minutes=1)
    action: Annotated[ActionSpec, BeforeValidator(_raid_action)] = ActionSpec("kick")
    slowmode: Duration | None = None
    lock: Bool = False
    channels: list[ChannelName] = Field(default_factory=list)
    ends_after: Duration | None = timedelta(minutes=30)
    ping_moderators: Bool = True

    @field_validator("action")
    @classmethod
    def _member_action(cls, value: ActionSpec) -> ActionSpec:
        if value.kind not in ("kick", "ban", "timeout", "alert"):
            raise ValueError("a raid action is kick, ban, {timeout: DURATION} or alert")
        return value


class Wave(StrictModel):
    """Spam waves: many cases from one channel within seconds (a raid, a scam blast)."""

    cases: int = Field(default=10, ge=2)
    within: Duration = timedelta(seconds=5)
    summary_every: Duration = timedelta(seconds=5)
    dm_every: Duration = timedelta(minutes=10)


class Direct(StrictModel):
    """The DM a member gets when actioned."""

    enabled: Bool = True
    appeal_hint: str = "If you think this was a mistake, press Appeal or use /appeal."


class Appeals(StrictModel):
    """Members with an active case may appeal once per case."""

    enabled: Bool = True


class Mirror(StrictModel):
    """Bans that reach every linked account of the member (one community on several platforms)."""

    rules: list[str] = Field(default_factory=list)  # rule names (or `escalation`) whose bans are mirrored
    moderator_bans: Bool = False  # a moderator's /ban (and the mod log's Ban button) is mirrored too


class ModerationSettings(StrictModel):
    """The whole ``moderation`` section of a community."""

    rules: list[Rule] = Field(default_factory=list)
    escalation: Escalation = Escalation()
    raid: Raid = Raid()
    wave: Wave = Wave()
    dm: Direct = Direct()
    appeals: Appeals = Appeals()
    exempt_moderators: Bool = True
    exempt_roles: list[RoleName] = Field(default_factory=list)
    ban_delete_history: Duration = Field(default=timedelta(days=1), le=MAX_DELETE_HISTORY)
    mirror: Mirror = Mirror()
    _engine: Engine | None = PrivateAttr(default=None)
    _name_engine: Engine | None = PrivateAttr(default=None)
    _scam: frozenset[str] = PrivateAttr(default=frozenset())
    # Read on every message, so worked out once here: (index, rule, has checks beyond text) of
    # the enabled message rules, and whether any rule needs a member lookup or repeat history.
    _message_rules: tuple[tuple[int, Rule, bool], ...] = PrivateAttr(default=())
    _needs_age: bool = PrivateAttr(default=False)
    _wants_repeats: bool = PrivateAttr(default=False)

    @field_validator("rules")
    @classmethod
    def _unique_names(cls, value: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in value:
            if rule.name in seen:
                raise ValueError(f"two rules are called `{rule.name}`; names identify rules in cases")
            seen.add(rule.name)
        return value

    @field_validator("mirror")
    @classmethod
    def _mirrored_rules_exist(cls, value: Mirror, info: ValidationInfo) -> Mirror:
        known = {rule.name for rule in info.data.get("rules", [])} | {"escalation"}
        for name in value.rules:
            if name not in known:
                raise ValueError(f"mirror.rules: no rule is called `{name}` (rules: "
                                 f"{', '.join(sorted(known))})")
        return value

    def join_claims(self) -> dict[str, str]:
        """An enabled account-age rule acts on every join (core check: bot.config.loader.join_claim_clashes)."""
        found = [i for i, r in enumerate(self.rules)
                 if r.enabled and r.age is not None and r.age.account is not None and not r.channels]
        return {"account_age": f"rules.{found[0]}.age.account"} if found else {}

    def model_post_init(self, context: Any, /) -> None:
        """Compile every text rule into the engine now, so a bad rule fails the load, not a message."""
        self._engine = build_engine(self._text_rules("messages"))
        self._name_engine = build_engine(self._text_rules("names"))
        if any(r.links is not None and r.links.scam_domains for r in self.rules):
            self._scam = frozenset(read_domain_file("scam-domains.txt"))
        self._message_rules = tuple(
            (i, r, bool(r.other_kinds))
            for i, r in enumerate(self.rules) if r.enabled and "messages" in r.targets)
        self._needs_age = any(r.age is not None and r.enabled for r in self.rules)
        self._wants_repeats = any(r.repeats is not None for r in self.rules)

    def _text_rules(self, target: str) -> list[TextRule]:
        out = []
        for index, rule in enumerate(self.rules):
            if rule.enabled and rule.has_text and target in rule.targets:
                out.append(TextRule(index=index, words=tuple(rule.all_words()), regexes=tuple(rule.regex),
                                    allow=tuple(rule.allow), raw=rule.raw, edges=target == "names"))
        return out

    @property
    def engine(self) -> Engine:
        """The compiled matcher of message rules."""
        assert self._engine is not None
        return self._engine

    @property
    def name_engine(self) -> Engine:
        """The compiled matcher of display-name rules."""
        assert self._name_engine is not None
        return self._name_engine

    @property
    def message_rules(self) -> tuple[tuple[int, Rule, bool], ...]:
        """``(index, rule, has non-text checks)`` of every enabled rule on messages."""
        return self._message_rules

    @property
    def needs_age(self) -> bool:
        """Whether a rule looks at account or membership age (a member lookup per message)."""
        return self._needs_age

    @property
    def wants_repeats(self) -> bool:
        """Whether a rule counts repeated messages (their normalised text is kept)."""
        return self._wants_repeats

    @property
    def scam_domains(self) -> frozenset[str]:
        """The shipped list of known scam domains (read at load when a links rule asks for it)."""
        return self._scam


def parse_duration_text(value: str) -> timedelta:
    """Durations typed in commands; ValueError with a hint."""
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None


__all__ = ["ACTION_KINDS", "ActionSpec", "ModerationSettings", "Rule"]
