"""Personal reminders: the time split from the note, one-off and repeating, and anything typed answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.events.refusal import Refusal
from cogs.events.remind import PersonalReminder, next_time, parse_remind

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)  # Thursday


def remind(text: str, now: datetime = NOW) -> PersonalReminder:
    result = parse_remind(text, tz=LONDON, now=now)
    assert isinstance(result, PersonalReminder), result
    return result


@pytest.mark.parametrize(("text", "at", "note"), [
    ("in 2h check the PR", datetime(2026, 12, 3, 10, 30, tzinfo=UTC), "check the PR"),
    ("tomorrow 9am standup notes", datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "standup notes"),
    ("tomorrow 9am the standup", datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "the standup"),
    ("18:00 friday call bob", datetime(2026, 12, 4, 18, 0, tzinfo=UTC), "call bob"),
    ("2026-12-24 18:00 wrap presents", datetime(2026, 12, 24, 18, 0, tzinfo=UTC), "wrap presents"),
    ("tomorrow 9am 30 minutes of review", datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "30 minutes of review"),
])
def test_one_off(text: str, at: datetime, note: str) -> None:
    got = remind(text)
    assert (got.at, got.note, got.series) == (at, note, None)
    assert next_time(got, NOW) == at and next_time(got, at) is None


def test_every_monday_keeps_its_local_hour_across_dst() -> None:
    got = remind("every monday 9am weekly report", now=datetime(2027, 3, 16, tzinfo=UTC))
    assert got.note == "weekly report"
    assert got.confirmation == "Monday 22 March 2027 at 09:00 Europe/London (GMT), then every Monday"
    first = next_time(got, datetime(2027, 3, 16, tzinfo=UTC))
    second = next_time(got, first)  # type: ignore[arg-type]
    assert (first, second) == (datetime(2027, 3, 22, 9, tzinfo=UTC), datetime(2027, 3, 29, 8, tzinfo=UTC))


def test_every_day_and_every_weekday() -> None:
    daily = remind("every day at 7:30 stretch")
    assert daily.at == datetime(2026, 12, 4, 7, 30, tzinfo=UTC) and daily.note == "stretch"
    weekdays = remind("every weekday 9am standup")  # today (Thursday), Friday, then Monday
    assert weekdays.at == datetime(2026, 12, 3, 9, tzinfo=UTC)
    friday = next_time(weekdays, weekdays.at)
    assert friday == datetime(2026, 12, 4, 9, tzinfo=UTC)
    assert next_time(weekdays, friday) == datetime(2026, 12, 7, 9, tzinfo=UTC)
    today = remind("every thursday 9am now", now=NOW)  # today's 09:00 is still ahead
    assert today.at == datetime(2026, 12, 3, 9, tzinfo=UTC)


@pytest.mark.parametrize(("text", "says"), [
    ("", "needs a time"),
    ("tomorrow 9am", "What should I remind you of?"),
    ("yesterday 9am notes", "in the past"),
    ("friday 24 18:00 notes", "is a Thursday, not a Friday"),
    ("check the PR", "couldn't find when"),
    ("every monday weekly report", "needs a time of day"),
    ("in 2h " + "x" * 600, "at most 500"),
])
def test_refusals(text: str, says: str) -> None:
    result = parse_remind(text, tz=LONDON, now=NOW)
    assert isinstance(result, Refusal) and says in result.message()


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=60))
def test_anything_typed_is_answered(text: str) -> None:
    result = parse_remind(text, tz=LONDON, now=NOW)
    assert isinstance(result, PersonalReminder | Refusal)
    if isinstance(result, PersonalReminder):
        assert result.at > NOW and result.note


@settings(max_examples=100, deadline=None)
@given(minutes=st.integers(min_value=1, max_value=10_000),
       note=st.lists(st.sampled_from(["check", "the", "PR", "call", "bob", "notes"]), min_size=1, max_size=5))
def test_in_minutes_then_any_note(minutes: int, note: list[str]) -> None:
    got = remind(f"in {minutes} minutes " + " ".join(note))
    assert got.at == NOW + timedelta(minutes=minutes) and got.note == " ".join(note)
