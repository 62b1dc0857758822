"""The pure logic: positions, what is left, nudges, bursts, batch welcomes, and the funnel by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.content import Mention
from bot.facts import Fact, OnboardingCompleted, OnboardingStarted, OnboardingStepDone
from bot.persons import PersonId
from bot.refs import UserRef
from cogs.onboarding.flow import Burst, batch_welcome, funnel, left_text, position, should_nudge, toggle
from cogs.onboarding.settings import OnboardingSettings

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SETTINGS = OnboardingSettings.model_validate({"steps": [
    {"kind": "welcome", "text": "hi {member}"},
    {"kind": "rules", "text": "be kind"},
    {"kind": "question", "name": "interests", "text": "what?", "options": [{"id": "a", "label": "A"}]},
    {"kind": "question", "name": "found-us", "text": "how?", "required": False, "options": [{"id": "b", "label": "B"}]},
    {"kind": "introduce", "text": "say hi"},
    {"kind": "resources", "links": [{"title": "x", "url": "https://x.example"}]},
]})


def test_position_passes_what_needs_nothing_and_waits_on_the_first_interactive_step() -> None:
    start = position(SETTINGS, [])
    assert [s.name for s in start.passing] == ["welcome"] and start.waiting is not None
    assert start.waiting.name == "rules" and start.left == ("rules", "interests", "introduce")
    late = position(SETTINGS, ["welcome", "rules", "interests", "found-us", "introduce"])
    assert [s.name for s in late.passing] == ["resources"] and late.waiting is None and late.finished
    assert position(SETTINGS, ["welcome"], skip=["rules"]).waiting.name == "interests"  # type: ignore[union-attr]


def test_left_text_reads_as_a_sentence() -> None:
    assert left_text(SETTINGS, ("rules", "interests", "introduce")) == \
        "Left: the rules, 1 question and your introduction."
    assert left_text(SETTINGS, ("introduce",)) == "Left: your introduction."
    assert left_text(SETTINGS, ()) == ""


def test_nudges_only_while_something_is_left() -> None:
    assert should_nudge(state="active", left=("rules",), posted=True)
    assert should_nudge(state="active", left=(), posted=False)
    assert not should_nudge(state="active", left=(), posted=True)
    assert not should_nudge(state="left", left=("rules",), posted=False)
    assert not should_nudge(state="done", left=(), posted=False)


def test_a_burst_is_above_the_rate_within_the_window() -> None:
    burst = Burst(3, timedelta(minutes=1))
    assert [burst.join(T0 + timedelta(seconds=i)) for i in range(5)] == [False, False, False, True, True]
    assert not burst.join(T0 + timedelta(minutes=2))


def test_batch_welcome_names_ten_and_counts_the_rest() -> None:
    names = [Mention(UserRef("m", f"u{i}"), f"u{i}") for i in range(12)]
    assert batch_welcome(names[:2], "acme").plain() == "Welcome to acme, @u0 and @u1! Say hello in the channels " \
                                                      "when you're ready."
    text = batch_welcome(names, "acme").plain()
    assert text.startswith("Welcome to acme, @u0, @u1,") and "@u9 and 2 others!" in text
    assert batch_welcome(names, "acme").ping == ()


@given(st.lists(st.sampled_from("abcde"), max_size=30))
def test_toggle_twice_is_nothing(presses: list[str]) -> None:
    chosen: list[str] = []
    for p in presses:
        chosen = toggle(chosen, p)
    assert len(chosen) == len(set(chosen))
    assert set(chosen) == {p for p in set(presses) if presses.count(p) % 2 == 1}


def _f(cls: type[Fact], person: int, hours: float, **kw: object) -> Fact:
    return cls(person=PersonId(person), at=T0 + timedelta(hours=hours), community="acme", **kw)  # type: ignore[call-arg]


def test_the_funnel_against_hand_counted_figures() -> None:
    facts = [
        # 1: everything, first message 2h in
        _f(OnboardingStarted, 1, 0), _f(OnboardingStepDone, 1, 0.1, step="rules"),
        _f(OnboardingStepDone, 1, 0.2, step="interests"), _f(OnboardingStepDone, 1, 2, step="first-message"),
        _f(OnboardingStepDone, 1, 2, step="introduce"), _f(OnboardingCompleted, 1, 2, seconds=7200.0),
        _f(OnboardingStepDone, 1, 168, step="active-7d"),
        # 2: rules only, first message 4h in
        _f(OnboardingStarted, 2, 1), _f(OnboardingStepDone, 2, 1.5, step="rules"),
        _f(OnboardingStepDone, 2, 5, step="first-message"),
        # 3: joined, nothing else
        _f(OnboardingStarted, 3, 2),
        # 4: started before the window: not counted at all
        _f(OnboardingStarted, 4, -800), _f(OnboardingStepDone, 4, 1, step="rules"),
        # 5: reset: rules before the reset don't count, the first message (6h after the first start) does
        _f(OnboardingStarted, 5, 0), _f(OnboardingStepDone, 5, 0.5, step="rules"),
        _f(OnboardingStepDone, 5, 6, step="first-message"), _f(OnboardingStarted, 5, 7),
    ]
    figures = funnel(SETTINGS, facts, T0 - timedelta(days=1))
    assert (figures.joined, figures.rules, figures.questions, figures.introduced) == (4, 2, 1, 1)
    assert (figures.first_message, figures.active_7d, figures.completed) == (3, 1, 1)
    assert figures.median_to_first_message == timedelta(hours=4)  # of 2h, 4h and 6h
    lines = figures.lines()
    assert lines[0] == "Joined: 4" and lines[1] == "Accepted the rules: 2 (50%)"
    assert lines[-1] == "Median time to first message: 4h00m"


def test_an_empty_funnel() -> None:
    figures = funnel(SETTINGS, [], T0)
    assert figures.joined == 0 and figures.median_to_first_message is None
    assert figures.lines()[1] == "Accepted the rules: 0"
