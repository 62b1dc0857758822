"""The ``engagement`` config section: prompt schedules, polls, watched help channels, hot topics, kudos."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.calendars import Recurrence, RecurrenceField
from bot.config.types import Bool, ChannelName, ChannelTarget, Duration, RoleName, StrictModel
from bot.durations import format_duration
from cogs.engagement.quiet import QuietHours
from cogs.engagement.tally import MAX_LABEL, MAX_OPTIONS, MAX_QUESTION

MAX_PROMPT = 1500  # a prompt fits one message on every platform, with its template around it
MAX_POOL = 5000
MAX_FILE_BYTES = 512 * 1024
_SHIPPED = Path(__file__).resolve().parents[2] / "config"
_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"


def _roots() -> list[Path]:
    return [Path("config").resolve(), _SHIPPED]


def read_prompt_file(name: str) -> list[str]:
    """Prompts from a file under config/ (one a line; blank lines and ``#`` comments skipped)."""
    given = Path(name)
    if given.is_absolute() or ".." in given.parts:
        raise ValueError(f"`{name}`: a prompt file is named relative to config/ (no absolute paths, no `..`)")
    for root in _roots():
        path = (root / given).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"`{name}` leads outside config/")
        if path.is_file():
            if path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"`{name}` is over {MAX_FILE_BYTES // 1024} KB")
            try:
                lines = path.read_bytes().decode("utf-8").splitlines()
            except UnicodeDecodeError as exc:
                raise ValueError(f"`{name}` is not UTF-8 (byte {exc.start})") from None
            return [s for line in lines if (s := line.strip()) and not s.startswith("#")]
    raise ValueError(f"no such file `{name}` (looked in config/ and Steward's config/)")


def _prompt_file(value: str) -> str:
    read_prompt_file(value)
    return value


PromptFile = Annotated[str, AfterValidator(_prompt_file)]


class PromptSchedule(StrictModel):
    """One recurring prompt: where, when (cron or RRULE, community time), and its pool."""

    name: str = Field(pattern=_NAME)
    channel: ChannelName
    when: RecurrenceField
    prompts: list[str] = Field(default_factory=list)
    prompts_file: PromptFile | None = None
    template: str = "{prompt}"  # {prompt}, {date}, {weekday}, {number}
    thread: Bool = False  # open a thread per prompt where the platform has threads (else posted in the channel)
    thread_name: str = Field(default="{name} — {date}", max_length=100)

    @field_validator("prompts")
    @classmethod
    def _texts(cls, value: list[str]) -> list[str]:
        out = [p.strip() for p in value]
        for i, p in enumerate(out):
            if not p:
                raise ValueError(f"prompt {i + 1} is empty")
            if len(p) > MAX_PROMPT:
                raise ValueError(f"prompt {i + 1} is {len(p)} characters; a prompt holds {MAX_PROMPT}")
        return out

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        if "{prompt}" not in value:
            raise ValueError("the template must contain {prompt}")
        return value

    @model_validator(mode="after")
    def _pool(self) -> PromptSchedule:
        if not self.pool():
            raise ValueError(f"prompt schedule `{self.name}` has an empty pool: give `prompts` or a `prompts_file`")
        if len(self.pool()) > MAX_POOL:
            raise ValueError(f"prompt schedule `{self.name}` has over {MAX_POOL} prompts")
        return self

    def pool(self) -> list[str]:
        """Every prompt, inline first then the file's, without repeats."""
        seen: dict[str, None] = {}
        for p in [*self.prompts, *(read_prompt_file(self.prompts_file) if self.prompts_file else [])]:
            seen.setdefault(p[:MAX_PROMPT], None)
        return list(seen)


class RecurringPoll(StrictModel):
    """A poll opened on a calendar (a weekly lunch vote)."""

    name: str = Field(pattern=_NAME)
    channel: ChannelTarget  # "#name", or a key of `channels` mapped per platform: one poll on each, one tally
    when: RecurrenceField
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    options: list[Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]]
    duration: Duration = Field(default_factory=lambda: timedelta(hours=24))
    multiple: Bool = False
    anonymous: Bool = False

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str]) -> list[str]:
        value = [v.strip() for v in value]
        if len(value) < 2:
            raise ValueError("a poll needs at least 2 options")
        if len(value) > MAX_OPTIONS:
            raise ValueError(f"a poll takes at most {MAX_OPTIONS} options (Discord shows 25 buttons)")
        if len({v.casefold() for v in value}) != len(value):
            raise ValueError("two options are the same")
        return value


class Polls(StrictModel):
    """/poll defaults and recurring polls."""

    duration: Duration = Field(default_factory=lambda: timedelta(hours=24))
    longest: Duration = Field(default_factory=lambda: timedelta(days=30))
    recurring: list[RecurringPoll] = Field(default_factory=list)

    @model_validator(mode="after")
    def _limits(self) -> Polls:
        if self.duration > self.longest:
            raise ValueError(f"the default duration {format_duration(self.duration)} is longer than "
                             f"`longest` ({format_duration(self.longest)})")
        return self


class Questions(StrictModel):
    """Help channels where a question with no answer from anyone else pings the helpers once."""

    channels: list[ChannelName] = Field(min_length=1)
    helpers: RoleName
    after: Duration = Field(default_factory=lambda: timedelta(minutes=30))
    answer: Literal["any", "reply"] = "any"  # any: any later message by someone else; reply: replies/threads only

    @field_validator("after")
    @classmethod
    def _after(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= timedelta(days=7):
            raise ValueError("`after` is between 1m and 7d")
        return value


class HotTopics(StrictModel):
    """A staff post of the terms trending against their usual level (counts only, no message text)."""

    channel: ChannelName
    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("0 9 * * MON"))
    window: Literal["day", "week"] = "week"
    baseline: int = Field(default=4, ge=1, le=12)  # windows before this one that make "usual"
    top: int = Field(default=10, ge=1, le=25)
    min_count: int = Field(default=3, ge=1, le=1000)  # a term in fewer messages than this never trends
    ignore: list[ChannelName] = Field(default_factory=list)  # channels not counted (#staff, #mod-log)


class Monthly(StrictModel):
    """The monthly recognition post of the most thanked members."""

    channel: ChannelName
    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("0 12 1 * *"))
    top: int = Field(default=3, ge=1, le=10)


class Kudos(StrictModel):
    """/kudos, "thanks @member" noticed, the leaderboard and (opt-in) a monthly post."""

    notice_thanks: Bool = True
    per_day: int = Field(default=10, ge=1, le=100)  # kudos one member may give a day
    post_in: ChannelName | None = None  # each /kudos also thanked there in public, naming the member
    monthly: Monthly | None = None


class Pacing(StrictModel):
    """How often and when this cog posts: quiet hours (community time) and a gap between posts per channel."""

    quiet_hours: str | None = None  # "22:00-08:00": what falls in them goes out when they end
    gap: Duration = Field(default_factory=timedelta)  # at least this long between two posts in one channel

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        return None if value is None else str(QuietHours.parse(value))

    @field_validator("gap")
    @classmethod
    def _gap(cls, value: timedelta) -> timedelta:
        if not timedelta(0) <= value <= timedelta(hours=12):
            raise ValueError("`gap` is between 0s and 12h")
        return value

    def window(self) -> QuietHours | None:
        """The quiet window, if any."""
        return None if self.quiet_hours is None else QuietHours.parse(self.quiet_hours)


class Reengage(StrictModel):
    """One gentle DM to members who were active and went quiet (opt-in; /engagement optout stops it)."""

    after: Duration = Field(default_factory=lambda: timedelta(days=30))  # silent this long
    period: Duration = Field(default_factory=lambda: timedelta(days=90))  # at most one DM per member in this
    active_days: int = Field(default=5, ge=1, le=10_000)  # days with a message that make a member "active"
    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("0 11 * * *"))
    per_run: int = Field(default=20, ge=1, le=500)  # DMs one run sends at most
    template: str = Field(default="👋 Hi {name}, we haven't seen you in {community} for a while — we'd love to hear "
                                  "what you're up to. (Reply /engagement optout to stop these.)",
                          max_length=1000)

    @field_validator("after", "period")
    @classmethod
    def _days(cls, value: timedelta) -> timedelta:
        if not timedelta(days=1) <= value <= timedelta(days=730):
            raise ValueError("between 1d and 730d")
        return value

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            value.format(name="x", community="y", days=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"the template may use {{name}}, {{community}} and {{days}} only ({exc})") from None
        return value


class Milestones(StrictModel):
    """Join anniversaries and member-count milestones, celebrated once each in a channel (opt-in)."""

    channel: ChannelName
    anniversaries: Bool = True
    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("0 10 * * *"))  # the anniversaries' post
    members: list[Annotated[int, Field(ge=2, le=100_000_000)]] = Field(default_factory=list)  # counts to celebrate
    members_before: int = Field(default=0, ge=0, le=100_000_000)  # members before Steward saw its first join

    @field_validator("members")
    @classmethod
    def _counts(cls, value: list[int]) -> list[int]:
        return sorted(set(value))


class EngagementSettings(StrictModel):
    """Engagement: scheduled prompts, polls, announcements, unanswered questions, hot topics, kudos."""

    prompts: list[PromptSchedule] = Field(default_factory=list)
    polls: Polls = Field(default_factory=Polls)
    questions: Questions | None = None
    hot_topics: HotTopics | None = None
    kudos: Kudos | None = Field(default_factory=Kudos)
    count_window: Duration = Field(default_factory=lambda: timedelta(hours=24))  # replies counted per prompt
    pacing: Pacing = Field(default_factory=Pacing)
    reengage: Reengage | None = None
    milestones: Milestones | None = None

    @model_validator(mode="after")
    def _unique(self) -> EngagementSettings:
        for label, names in (("prompt schedule", [p.name for p in self.prompts]),
                             ("recurring poll", [p.name for p in self.polls.recurring])):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"two {label}s are named `{dupes[0]}`")
        return self
