"""Event starts and lengths: examples, DST edges, and any string at all answered without raising."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.events.refusal import Refusal
from cogs.events.when import Start, localise, parse_length, parse_start

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)  # a Thursday


def start(text: str, tz: ZoneInfo = LONDON, now: datetime = NOW) -> Start:
    result = parse_start(text, tz=tz, now=now)
    assert isinstance(result, Start), result
    return result


def refusal(text: str, tz: ZoneInfo = LONDON, now: datetime = NOW) -> Refusal:
    result = parse_start(text, tz=tz, now=now)
    assert isinstance(result, Refusal), result
    return result


@pytest.mark.parametrize(("text", "local"), [
    ("next friday 18:00", datetime(2026, 12, 4, 18, 0)),
    ("friday 6pm", datetime(2026, 12, 4, 18, 0)),
    ("on friday at 6:30pm", datetime(2026, 12, 4, 18, 30)),
    ("tomorrow 7pm", datetime(2026, 12, 4, 19, 0)),
    ("tomorrow 18.30", datetime(2026, 12, 4, 18, 30)),
    ("noon tomorrow", datetime(2026, 12, 4, 12, 0)),
    ("2026-12-24 18:00", datetime(2026, 12, 24, 18, 0)),
    ("2026-12-24T18:00", datetime(2026, 12, 24, 18, 0)),
    ("24.12.2026 18:00", datetime(2026, 12, 24, 18, 0)),
    ("13/04/2027 18:00", datetime(2027, 4, 13, 18, 0)),
    ("dec 24 6pm", datetime(2026, 12, 24, 18, 0)),
    ("sat dec 26 2026 18:00", datetime(2026, 12, 26, 18, 0)),
    ("thursday the 24th at 18:00", datetime(2026, 12, 24, 18, 0)),
    ("24.12.26 18:00", datetime(2026, 12, 24, 18, 0)),
    ("in 2 days at 18:00", datetime(2026, 12, 5, 18, 0)),
    ("18:00", datetime(2026, 12, 3, 18, 0)),
    ("7am", datetime(2026, 12, 4, 7, 0)),  # 07:00 today has passed: its next occurrence
    ("midnight", datetime(2026, 12, 4, 0, 0)),
])
def test_starts_people_type(text: str, local: datetime) -> None:
    got = start(text)
    assert got.local.replace(tzinfo=None) == local
    assert got.at.tzinfo is UTC
    assert got.at == local.replace(tzinfo=LONDON).astimezone(UTC)


def test_the_confirmation_names_the_day_the_zone_and_how_far() -> None:
    assert start("next friday 18:00").confirmation == "Friday 4 December 2026 at 18:00 Europe/London (GMT), tomorrow"
    assert start("2026-12-24 18:00").confirmation.endswith("(GMT), in 21 days")
    assert start("in 2 hours").confirmation == "Thursday 3 December 2026 at 10:30 Europe/London (GMT), today, in 2h"


def test_read_in_the_creators_zone() -> None:
    assert start("2027-07-01 18:00", tz=NEW_YORK).at == datetime(2027, 7, 1, 22, 0, tzinfo=UTC)
    assert start("2027-07-01 18:00", tz=LONDON).at == datetime(2027, 7, 1, 17, 0, tzinfo=UTC)
    assert start("friday 6pm UTC+2").at == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert start("friday 6pm UTC+2").confirmation == (
        "Friday 4 December 2026 at 16:00 Europe/London (GMT), tomorrow (18:00 UTC+02:00 as typed)")
    assert start("2026-12-24T18:00Z", tz=NEW_YORK).at == datetime(2026, 12, 24, 18, 0, tzinfo=UTC)


def test_in_a_length_is_elapsed_time_across_a_dst_change() -> None:
    before = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)  # London springs forward at 01:00 UTC
    got = start("in 2 hours", now=before)
    assert got.at == before + timedelta(hours=2)
    assert got.local.hour == 3  # 02:30 UTC is 03:30 BST


@pytest.mark.parametrize(("text", "says"), [
    ("yesterday 18:00", "in the past: I read it as Wednesday 2 December 2026 at 18:00"),
    ("today 7am", "in the past"),
    ("friday", "no time of day"),
    ("1", "no time of day"),
    ("a", "no time of day"),
    ("tomorrow at 9", "no time of day"),
    ("next week 18:00", "no particular day"),
    ("Nov 18:00", "no particular day"),
    ("03/04/2027 18:00", "day-first or month-first"),
    ("3/4 18:00", "day-first or month-first"),
    ("friday 18:00 EST", "abbreviations are ambiguous"),
    ("friday 18:00 19:00", "more than one time"),
    ("tomorrow midnight", "Midnight next to a day"),
    ("2h", "length of time, not a start"),
    ("25:00", "doesn't exist"),
    ("13pm", "1 to 12"),
    ("2099-01-01 10:00", "more than 3 years ahead"),
    ("hello world 18:00", "couldn't read the day"),
    ("tomorrow 9am 30", "not every number"),
    ("tomorrow 30 minutes 9am", "not every number"),
    ("friday 24 18:00", "Thursday 24 December 2026 is a Thursday, not a Friday"),
    ("", "Nothing was typed"),
    ("x" * 500, "longer than"),
    ("tomorrow \ud800 18:00", "can't be read"),
])
def test_refusals_say_why(text: str, says: str) -> None:
    assert says in refusal(text).message()


def test_clock_changes_are_refused_not_guessed() -> None:
    assert "clocks go forward" in refusal("2027-03-28 01:30").reason
    assert "happens twice" in refusal("2027-10-31 01:30").reason
    assert "clocks go forward" in refusal("2027-03-14 02:30", tz=NEW_YORK).reason
    assert "happens twice" in refusal("2027-11-07 01:30", tz=NEW_YORK).reason
    assert isinstance(localise(datetime(2027, 3, 28, 2, 30), LONDON), datetime)


@pytest.mark.parametrize(("text", "minutes"), [
    ("90m", 90), ("1h30m", 90), ("1h 30m", 90), ("1h30", 90), ("2 hours", 120), ("1.5h", 90),
    ("an hour", 60), ("half an hour", 30), ("1 hour and 30 minutes", 90), ("3 days", 3 * 1440),
])
def test_lengths(text: str, minutes: int) -> None:
    assert parse_length(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(("text", "says"), [
    ("90", "Did you mean 90m?"), ("30s", "shorter than 1m"), ("20 days", "longer than 2w"),
    ("soon", "isn't a length"), ("1h\ud800", "can't be read"), ("", "Nothing was typed"),
])
def test_length_refusals(text: str, says: str) -> None:
    result = parse_length(text)
    assert isinstance(result, Refusal)
    assert says in result.message()


zones = st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Asia/Kolkata"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")])
nows = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60), tz=zones, now=nows)
def test_any_string_is_answered_never_raised(text: str, tz: ZoneInfo, now: datetime) -> None:
    result = parse_start(text, tz=tz, now=now)
    assert isinstance(result, Start | Refusal)
    if isinstance(result, Start):
        assert result.at.tzinfo is UTC and now < result.at <= now + timedelta(days=3 * 366)
    else:
        assert result.reason
    assert isinstance(parse_length(text), timedelta | Refusal)


words = st.lists(st.sampled_from(["tomorrow", "friday", "next", "at", "18:00", "7pm", "in", "2", "hours", "dec",
                                  "24", "/", ".", "12", "noon", "midnight", "UTC", "EST", "+02:00", "2026-12-24",
                                  "3/4", "am", "pm", ":", "\ud800", "\x00", "٣"]), max_size=6)


@settings(max_examples=300, deadline=None)
@given(parts=words, tz=zones)
def test_date_like_word_salad_is_answered_never_raised(parts: list[str], tz: ZoneInfo) -> None:
    result = parse_start(" ".join(parts), tz=tz, now=NOW)
    assert isinstance(result, Start | Refusal)
    if isinstance(result, Start):
        assert result.at > NOW


@settings(max_examples=200, deadline=None)
@given(tz=zones, ahead=st.integers(min_value=1, max_value=700 * 24 * 60), now=nows)
def test_an_iso_start_round_trips_or_is_refused_for_a_clock_change(tz: ZoneInfo, ahead: int, now: datetime) -> None:
    wall = (now.astimezone(tz) + timedelta(minutes=ahead)).replace(tzinfo=None, second=0, microsecond=0)
    result = parse_start(f"{wall:%Y-%m-%d %H:%M}", tz=tz, now=now)
    if isinstance(localise(wall, tz), Refusal):
        assert isinstance(result, Refusal) and "clocks" in result.reason
    elif wall.replace(tzinfo=tz).astimezone(UTC) > now:
        assert isinstance(result, Start), result
        assert result.local.replace(tzinfo=None) == wall


@settings(max_examples=200, deadline=None)
@given(minutes=st.integers(min_value=1, max_value=60 * 24 * 30), tz=zones, now=nows)
def test_in_minutes_is_exact_elapsed_time(minutes: int, tz: ZoneInfo, now: datetime) -> None:
    result = parse_start(f"in {minutes} minutes", tz=tz, now=now)
    assert isinstance(result, Start)
    assert result.at == now + timedelta(minutes=minutes)


@settings(max_examples=200, deadline=None)
@given(hours=st.integers(min_value=0, max_value=300), minutes=st.integers(min_value=0, max_value=59))
def test_lengths_round_trip(hours: int, minutes: int) -> None:
    total = timedelta(hours=hours, minutes=minutes)
    result = parse_length(f"{hours}h{minutes}m")
    if timedelta(minutes=1) <= total <= timedelta(days=14):
        assert result == total
    else:
        assert isinstance(result, Refusal)
