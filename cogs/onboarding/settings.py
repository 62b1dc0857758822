"""The ``onboarding`` config section: the ordered flow, follow-ups, greeters, the verification gate."""

from __future__ import annotations

import re
import string
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag, field_validator, model_validator

from bot.config.models import check_timezone
from bot.config.types import Bool, ChannelName, Duration, RoleName, StrictModel

PLACEHOLDERS = frozenset({"member", "community", "member_count"})
RESERVED = frozenset({"first-message", "active-7d", "joined"})  # funnel stages published as step names
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
LONGEST_FOLLOW_UP = timedelta(days=90)


def check_template(value: str) -> str:
    """A message template may use only ``{member}``, ``{community}`` and ``{member_count}``."""
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise ValueError(f"the text has an unmatched brace ({exc}); write {{{{ and }}}} for a literal one") from None
    unknown = sorted(n or "{}" for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise ValueError(f"unknown placeholder {', '.join('{' + n + '}' for n in unknown)}; "
                         f"the text may use {{member}}, {{community}} and {{member_count}}")
    return value


Template = Annotated[str, AfterValidator(check_template)]


def _slug(value: str, what: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{what} is 1-30 lower-case letters, digits, - or _ (got `{value}`)")
    return value


class Option(StrictModel):
    """One answer to a question: the roles it grants, channels it points to, the zone it sets."""

    id: str
    label: str = Field(min_length=1, max_length=80)
    roles: list[RoleName] = Field(default_factory=list)
    channels: list[ChannelName] = Field(default_factory=list)
    timezone: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _slug(value, "an option id")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class _Step(StrictModel):
    name: str
    discord: Bool = False  # Discord's own onboarding screens handle it: Steward reads the roles they grant

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        _slug(value, "a step name")
        if value in RESERVED:
            raise ValueError(f"`{value}` is a funnel stage Steward publishes itself; pick another step name")
        return value


class WelcomeStep(_Step):
    """A welcome post in ``channel`` and/or a DM, mentioning only the newcomer."""

    kind: Literal["welcome"]
    name: str = "welcome"
    channel: ChannelName | None = None
    dm: Bool = True
    text: Annotated[Template, Field(min_length=1, max_length=1500)]


    @model_validator(mode="after")
    def _somewhere(self) -> WelcomeStep:
        if self.channel is None and not self.dm:
            raise ValueError("a welcome goes to a channel, a DM or both: set `channel` or `dm: true`")
        return self


class RulesStep(_Step):
    """The rules with an "I agree" button that grants ``role``."""

    kind: Literal["rules"]
    name: str = "rules"
    channel: ChannelName | None = None  # where the full rules are pinned
    text: Annotated[Template, Field(min_length=1, max_length=1500)]
    button: Annotated[str, Field(min_length=1, max_length=40)] = "I agree"
    role: RoleName | None = None


    @model_validator(mode="after")
    def _discord_needs_role(self) -> RulesStep:
        if self.discord and self.role is None:
            raise ValueError("`discord: true` marks the step done by the role Discord's screens grant: set `role`")
        return self


class QuestionStep(_Step):
    """A single- or multiple-choice question whose options grant roles, point to channels or set a zone."""

    kind: Literal["question"]
    text: Annotated[Template, Field(min_length=1, max_length=500)]
    multiple: Bool = False
    required: Bool = True
    source: Bool = False  # "how did you find us?": analytics reads the answer as the join source
    timezone: Bool = False  # every option names a zone; the answer sets the member's preference
    options: list[Option] = Field(min_length=1, max_length=20)


    @model_validator(mode="after")
    def _consistent(self) -> QuestionStep:
        ids = [o.id for o in self.options]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"option ids must differ: {', '.join(twice)} used twice")
        if self.timezone and any(o.timezone is None for o in self.options):
            raise ValueError("a `timezone: true` question needs a `timezone` on every option")
        if self.timezone and self.multiple:
            raise ValueError("a member has one time zone: a `timezone: true` question can't be `multiple`")
        if self.discord and not any(o.roles for o in self.options):
            raise ValueError("`discord: true` reads the roles Discord's screens grant: give the options `roles`")
        return self


class IntroduceStep(_Step):
    """Asks for an introduction in ``channel``; done at the member's first post there."""

    kind: Literal["introduce"]
    name: str = "introduce"
    channel: ChannelName = "#introductions"
    text: Annotated[Template, Field(min_length=1, max_length=500)]
    required: Bool = True



class Link(StrictModel):
    """A resource worth reading."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    url: Annotated[str, Field(pattern=r"^https?://\S+$", max_length=300)]


class ResourcesStep(_Step):
    """Links worth reading, sent when the flow reaches them."""

    kind: Literal["resources"]
    name: str = "resources"
    text: Annotated[str, Field(max_length=500)] = "A few links worth reading:"
    links: list[Link] = Field(min_length=1, max_length=15)


def _kind(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in KINDS else None


KINDS = ("welcome", "rules", "question", "introduce", "resources")
Step = Annotated[
    Annotated[WelcomeStep, Tag("welcome")] | Annotated[RulesStep, Tag("rules")]
    | Annotated[QuestionStep, Tag("question")] | Annotated[IntroduceStep, Tag("introduce")]
    | Annotated[ResourcesStep, Tag("resources")],
    Discriminator(_kind, custom_error_type="step_kind",
                  custom_error_message="each step needs `kind`: welcome, rules, question, introduce or resources")]
INTERACTIVE = ("rules", "question", "introduce")


class FollowUp(StrictModel):
    """A nudge ``after`` the join, sent only while something is left."""

    after: Duration
    text: Annotated[Template, Field(min_length=1, max_length=500)]


    @field_validator("after")
    @classmethod
    def _after(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0) or value > LONGEST_FOLLOW_UP:
            raise ValueError("a follow-up comes between 1 minute and 90 days after the join")
        return value


class Greeters(StrictModel):
    """Each join posted to ``channel`` with a "Say hi" button; optional buddies among ``role``."""

    channel: ChannelName
    role: RoleName | None = None  # who may greet and be a buddy (moderators always may)
    buddies: Bool = False
    cap: int = Field(default=3, ge=1, le=100)  # newcomers a buddy looks after at once


class Verification(StrictModel):
    """Accounts younger than ``account_age`` wait for a moderator's Approve / Deny in ``channel``."""

    account_age: Duration
    channel: ChannelName = "#mod-log"
    on_deny: Literal["kick", "nothing"] = "kick"

    @field_validator("account_age")
    @classmethod
    def _age(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("an account age is longer than 0")
        return value


class Batch(StrictModel):
    """Above ``above`` joins within ``within`` welcomes are posted together ("welcome @a, @b and 37 others")."""

    above: int = Field(default=10, ge=1, le=10_000)
    within: Duration = timedelta(minutes=1)


class OnboardingSettings(StrictModel):
    """The welcome flow: ordered ``steps``, ``follow_up`` nudges, ``greeters`` and an optional gate."""

    flow: str = "default"
    steps: list[Step] = Field(min_length=1, max_length=25)
    newcomer_role: RoleName | None = None  # held from the join until the rules are accepted
    rejoin: Literal["resume", "restart"] = "resume"
    follow_up: list[FollowUp] = Field(default_factory=list, max_length=10)
    greeters: Greeters | None = None
    verification: Verification | None = None
    welcome_batch: Batch = Batch()
    done_text: Annotated[Template, Field(min_length=1, max_length=500)] = "You're all set — welcome to {community}!"


    @field_validator("flow")
    @classmethod
    def _flow(cls, value: str) -> str:
        return _slug(value, "a flow name")

    @model_validator(mode="after")
    def _names(self) -> OnboardingSettings:
        names = [s.name for s in self.steps]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"step names must differ: {', '.join(twice)} used twice (give each a `name`)")
        if sum(1 for s in self.steps if isinstance(s, QuestionStep) and s.timezone) > 1:
            raise ValueError("only one question may set the time zone")
        return self

    def step(self, name: str) -> WelcomeStep | RulesStep | QuestionStep | IntroduceStep | ResourcesStep | None:
        """A step by name (None once the flow no longer has it)."""
        return next((s for s in self.steps if s.name == name), None)

    def join_claims(self) -> dict[str, str]:
        """What this section does to every join (the core's check: bot.config.loader.join_claim_clashes)."""
        return {} if self.verification is None else {"account_age": "verification.account_age"}
