"""The pure logic of the flow: where a member is, what is left, nudges, welcome bursts, the funnel.

Nothing here does I/O; the cog feeds it settings, a member's progress and facts, and acts on the answers.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content import Content, Mention, Segment, fmt
from bot.facts import Fact, OnboardingCompleted, OnboardingStarted, OnboardingStepDone
from cogs.onboarding.settings import (
    INTERACTIVE,
    IntroduceStep,
    OnboardingSettings,
    QuestionStep,
    ResourcesStep,
    RulesStep,
    WelcomeStep,
)

AnyStep = WelcomeStep | RulesStep | QuestionStep | IntroduceStep | ResourcesStep
FIRST_MESSAGE, ACTIVE_7D = "first-message", "active-7d"
NAMED_OTHERS = 10  # a batched welcome names this many and counts the rest


def required(step: AnyStep) -> bool:
    """Whether the flow is unfinished until this step is done (rules always; questions and intros by config)."""
    if isinstance(step, RulesStep):
        return True
    if isinstance(step, (QuestionStep, IntroduceStep)):
        return step.required
    return False


@dataclass(frozen=True, slots=True)
class Position:
    """Where a member stands: the steps that just run (``passing``), the step that waits on them, what is left."""

    passing: tuple[AnyStep, ...]
    waiting: AnyStep | None
    left: tuple[str, ...]

    @property
    def finished(self) -> bool:
        """Nothing required is left."""
        return not self.left


def position(settings: OnboardingSettings, done: Iterable[str], skip: Iterable[str] = ()) -> Position:
    """The member's position: non-interactive steps up to the first unfinished interactive one pass now.

    ``skip``: steps asked elsewhere (Discord's own screens): they are left until done but never wait here.
    """
    finished = set(done)
    elsewhere = set(skip)
    passing: list[AnyStep] = []
    waiting: AnyStep | None = None
    for step in settings.steps:
        if step.name in finished or step.name in elsewhere:
            continue
        if step.kind in INTERACTIVE:
            waiting = step
            break
        passing.append(step)
    left = tuple(s.name for s in settings.steps if required(s) and s.name not in finished)
    return Position(tuple(passing), waiting, left)


def left_text(settings: OnboardingSettings, left: Sequence[str]) -> str:
    """``Left: the rules, 2 questions and your introduction.`` (empty when nothing is)."""
    if not left:
        return ""
    parts: list[str] = []
    questions = 0
    for name in left:
        step = settings.step(name)
        if isinstance(step, RulesStep):
            parts.append("the rules")
        elif isinstance(step, QuestionStep):
            questions += 1
        elif isinstance(step, IntroduceStep):
            parts.append("your introduction")
    if questions:
        parts.insert(1 if parts and parts[0] == "the rules" else 0,
                     "1 question" if questions == 1 else f"{questions} questions")
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Left: {said}."


def render(template: str, member: Mention, community: str, number: int) -> Content:
    """An admin's template (trusted, checked at load) with the newcomer mentioned and the community named."""
    return fmt(template.replace("{member_count}", "{count}"), member=member, community=community, count=number)


def should_nudge(*, state: str, left: Sequence[str], posted: bool) -> bool:
    """A follow-up goes only to a member still onboarding with steps unfinished or no post yet."""
    return state == "active" and (bool(left) or not posted)


def toggle(chosen: Sequence[str], option: str) -> list[str]:
    """A multiple-choice pick: pressing an option again takes it back."""
    return [c for c in chosen if c != option] if option in chosen else [*chosen, option]


def active_after_week(*, joined_at: datetime, active_after_day: bool, still_here: bool) -> bool:
    """"Still active after 7 days": still a member at day 7 and posted after their first day."""
    del joined_at  # the check runs at joined_at + 7 days; the flag is set by posts after the first day
    return still_here and active_after_day


class Burst:
    """Counts joins in a sliding window: above ``above`` within ``within`` welcomes are batched."""

    def __init__(self, above: int, within: timedelta) -> None:
        self.above = above
        self.within = within
        self.joins: deque[datetime] = deque()

    def join(self, at: datetime) -> bool:
        """Record a join; True when it is part of a burst (its welcome waits for the batch post)."""
        self.joins.append(at)
        while self.joins and self.joins[0] <= at - self.within:
            self.joins.popleft()
        return len(self.joins) > self.above


def batch_welcome(names: Sequence[Mention], community: str) -> Content:
    """``Welcome to acme, @a, @b and 37 others!`` mentioning (never pinging) the first few."""
    shown = list(names[:NAMED_OTHERS])
    rest = len(names) - len(shown)
    segments: list[Segment] = [*fmt("Welcome to {community}, ", community=community).segments]
    for i, mention in enumerate(shown):
        if i:
            segments.append(" and " if i == len(shown) - 1 and not rest else ", ")
        segments.append(mention)
    if rest:
        segments += fmt(" and {rest} " + ("others" if rest != 1 else "other"), rest=rest).segments
    segments.append("! Say hello in the channels when you're ready.")
    return Content(tuple(segments))


@dataclass(frozen=True, slots=True)
class Funnel:
    """The onboarding funnel of those who joined in a window: each stage's count and time to first message."""

    joined: int
    rules: int
    questions: int
    introduced: int
    first_message: int
    active_7d: int
    completed: int
    median_to_first_message: timedelta | None

    def lines(self) -> list[str]:
        """The funnel as lines, each stage with its share of those who joined."""
        def share(n: int) -> str:
            return f"{n} ({round(100 * n / self.joined)}%)" if self.joined else "0"
        median = self.median_to_first_message
        return [f"Joined: {self.joined}", f"Accepted the rules: {share(self.rules)}",
                f"Answered the questions: {share(self.questions)}", f"Introduced themselves: {share(self.introduced)}",
                f"Posted a first message: {share(self.first_message)}",
                f"Still active after 7 days: {share(self.active_7d)}", f"Finished onboarding: {share(self.completed)}",
                "Median time to first message: " + ("—" if median is None else _span(median))]


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours < 48 else f"{hours // 24}d{hours % 24}h"


def funnel(settings: OnboardingSettings, facts: Iterable[Fact], since: datetime) -> Funnel:
    """The funnel of members who started onboarding at or after ``since``, counted from the facts log.

    A stage counts each person once. "Answered the questions" means every required question the flow has now;
    a person who started twice (a reset, a rejoin that restarts) counts from their latest start.
    """
    started: dict[int, datetime] = {}
    first: dict[int, datetime] = {}  # the first start in the window: time to first message counts from it
    steps: dict[int, dict[str, datetime]] = {}
    completed: set[int] = set()
    for fact in facts:
        if fact.person is None or fact.at is None:
            continue
        pid = int(fact.person)
        if isinstance(fact, OnboardingStarted) and fact.at >= since:
            if pid in started:  # a restart: the flow's steps count again from here; the first message stays
                steps[pid] = {k: v for k, v in steps.get(pid, {}).items() if k in (FIRST_MESSAGE, ACTIVE_7D)}
                completed.discard(pid)
            first.setdefault(pid, fact.at)
            started[pid] = fact.at
        elif isinstance(fact, OnboardingStepDone) and pid in started:
            steps.setdefault(pid, {}).setdefault(fact.step, fact.at)
        elif isinstance(fact, OnboardingCompleted) and pid in started:
            completed.add(pid)
    rules = [s.name for s in settings.steps if isinstance(s, RulesStep)]
    questions = [s.name for s in settings.steps if isinstance(s, QuestionStep) and s.required]
    intros = [s.name for s in settings.steps if isinstance(s, IntroduceStep)]

    def count(names: Sequence[str]) -> int:
        return sum(1 for p in started if names and all(n in steps.get(p, {}) for n in names))

    waits = [steps[p][FIRST_MESSAGE] - first[p] for p in started if FIRST_MESSAGE in steps.get(p, {})]
    median = timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None
    return Funnel(len(started), count(rules), count(questions), count(intros), count([FIRST_MESSAGE]),
                  count([ACTIVE_7D]), len(completed), median)
