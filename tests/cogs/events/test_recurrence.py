"""Series: RRULEs in the event's zone across DST, monthly edge days, exceptions, splits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.events.recurrence import (
    Series,
    Split,
    check_rule,
    monthly_on_day,
    monthly_on_weekday,
    parse_recurrence,
    weekly,
)
from cogs.events.refusal import Refusal

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


def local_times(series: Series, after: datetime, count: int) -> list[datetime]:
    return [o.start.astimezone(series.tz).replace(tzinfo=None) for o in series.upcoming(after, count)]


def dates(text: str, start: datetime, count: int) -> list[str]:
    """The first ``count`` London dates of a series starting at ``start``, repeating as ``text`` says."""
    rule = parse_recurrence(text, start)
    assert isinstance(rule, str), rule
    series = Series.create(start, LONDON, HOUR, rule)
    return [d.date().isoformat() for d in local_times(series, start - HOUR, count)]


@pytest.mark.parametrize(("tz", "first", "utc_hours"), [
    # London: BST starts 28 March 2027, ends 31 October 2027.
    (LONDON, datetime(2027, 3, 19, 18), [18, 18, 17, 17]),
    (LONDON, datetime(2027, 10, 22, 18), [17, 17, 18, 18]),
    # New York: EDT starts 14 March 2027, ends 7 November 2027.
    (NEW_YORK, datetime(2027, 3, 5, 18), [23, 23, 22, 22]),
    (NEW_YORK, datetime(2027, 10, 29, 18), [22, 22, 23, 23]),
])
def test_weekly_keeps_the_local_hour_across_dst(tz: ZoneInfo, first: datetime, utc_hours: list[int]) -> None:
    start = first.replace(tzinfo=tz)
    series = Series.create(start, tz, 2 * HOUR, weekly(start))
    got = series.upcoming(start.astimezone(UTC) - HOUR, 4)
    assert [o.start.astimezone(tz).hour for o in got] == [18, 18, 18, 18]
    assert [o.start.hour for o in got] == utc_hours
    assert [o.start.tzinfo for o in got] == [UTC] * 4
    if tz is LONDON and first.month == 3:
        assert [o.start.day for o in got] == [19, 26, 2, 9]


def test_every_two_weeks() -> None:
    start = datetime(2027, 1, 8, 19, tzinfo=LONDON)
    assert dates("every 2 weeks", start, 3) == ["2027-01-08", "2027-01-22", "2027-02-05"]
    assert dates("fortnightly", start, 3) == dates("every 2 weeks", start, 3)


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    start = datetime(2027, 1, 31, 18, tzinfo=LONDON)
    assert parse_recurrence("monthly", start) == monthly_on_day(start)
    assert dates("monthly on the 31st", start, 6) == [
        "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30"]
    leap = datetime(2028, 1, 30, 18, tzinfo=LONDON)
    assert dates("monthly on the 30th", leap, 3) == ["2028-01-30", "2028-02-29", "2028-03-30"]


def test_monthly_on_the_last_friday() -> None:
    start = datetime(2026, 12, 25, 18, tzinfo=LONDON)
    rule = parse_recurrence("monthly on the last friday", start)
    assert rule == monthly_on_weekday(start, last=True) == "FREQ=MONTHLY;BYDAY=-1FR"
    assert dates("monthly on the last friday", start, 6) == [
        "2026-12-25", "2027-01-29", "2027-02-26", "2027-03-26", "2027-04-30", "2027-05-28"]
    assert dates("the last friday of the month", start, 6) == dates("monthly on the last friday", start, 6)


def test_a_fifth_weekday_becomes_the_last() -> None:
    start = datetime(2027, 1, 29, 18, tzinfo=LONDON)  # the 5th Friday of January
    assert monthly_on_weekday(start) == "FREQ=MONTHLY;BYDAY=-1FR"
    second_tuesday = datetime(2027, 1, 12, 18, tzinfo=LONDON)
    assert parse_recurrence("monthly on the 2nd tuesday", second_tuesday) == "FREQ=MONTHLY;BYDAY=2TU"


@pytest.mark.parametrize(("text", "says"), [
    ("monthly on the last friday", "isn't the last Friday"),
    ("monthly on the 12th", "not the 12th"),
    ("every 40 weeks", "1 to 12 weeks"),
    ("whenever", "don't know that repetition"),
])
def test_recurrence_refusals(text: str, says: str) -> None:
    result = parse_recurrence(text, datetime(2026, 12, 4, 18, tzinfo=LONDON))
    assert isinstance(result, Refusal) and says in result.message()


def test_none_means_one_off() -> None:
    start = datetime(2026, 12, 4, 18, tzinfo=LONDON)
    assert parse_recurrence("none", start) is None
    one = Series.create(start, LONDON, HOUR)
    assert [o.start for o in one.upcoming(start - HOUR, 5)] == [start.astimezone(UTC)]
    assert one.upcoming(start, 5) == []
    assert isinstance(one.split(start), Refusal)


def test_moving_one_occurrence_keeps_the_series() -> None:
    start = datetime(2027, 3, 19, 18, tzinfo=LONDON)
    series = Series.create(start, LONDON, 2 * HOUR, weekly(start))
    before = series.upcoming(start - HOUR, 4)
    key = before[1].key
    moved = series.move(key, datetime(2027, 3, 27, 15, tzinfo=LONDON), 3 * HOUR)
    assert isinstance(moved, Series)
    after = moved.upcoming(start - HOUR, 4)
    assert [o.key for o in after] == [o.key for o in before]
    assert after[1].moved and after[1].start == datetime(2027, 3, 27, 15, tzinfo=UTC)
    assert after[1].end - after[1].start == 3 * HOUR
    assert [after[i] for i in (0, 2, 3)] == [before[i] for i in (0, 2, 3)]
    assert moved.occurrence(key) == after[1]
    back = moved.move(key, key, 2 * HOUR)
    assert isinstance(back, Series) and back.moves == ()
    assert isinstance(series.move(key, before[2].start), Refusal)  # onto another occurrence
    assert isinstance(series.move(key + HOUR, key), Refusal)  # not an occurrence at all
    assert isinstance(series.move(key, key + HOUR, -HOUR), Refusal)


def test_cancelling_one_occurrence_keeps_the_series() -> None:
    start = datetime(2027, 3, 19, 18, tzinfo=LONDON)
    series = Series.create(start, LONDON, HOUR, weekly(start))
    keys = [o.key for o in series.upcoming(start - HOUR, 4)]
    cancelled = series.cancel(keys[1])
    assert isinstance(cancelled, Series)
    assert [o.key for o in cancelled.upcoming(start - HOUR, 3)] == [keys[0], keys[2], keys[3]]
    assert cancelled.occurrence(keys[1]) is None
    assert isinstance(cancelled.cancel(keys[1]), Refusal)
    restored = cancelled.restore(keys[1])
    assert isinstance(restored, Series) and restored.upcoming(start - HOUR, 4) == series.upcoming(start - HOUR, 4)


def test_changing_the_series_from_a_date_on() -> None:
    start = datetime(2027, 3, 5, 18, tzinfo=LONDON)
    series = Series.create(start, LONDON, HOUR, weekly(start))
    keys = [o.key for o in series.upcoming(start - HOUR, 6)]
    series = series.cancel(keys[4])  # type: ignore[assignment]
    assert isinstance(series, Series)
    series = series.move(keys[1], keys[1] + HOUR)  # type: ignore[assignment]
    assert isinstance(series, Series)
    at = datetime(2027, 3, 29, tzinfo=UTC)
    split = series.split(at, start=datetime(2027, 4, 2, 19, tzinfo=LONDON), duration=2 * HOUR)
    assert isinstance(split, Split)
    assert split.old.rule == "FREQ=WEEKLY;BYDAY=FR;UNTIL=20270326T180000Z"
    assert [o.key for o in split.old.upcoming(start - HOUR, 10)] == keys[:4]
    assert split.old.moves == series.moves  # the moved one was before the split
    assert split.dropped == {keys[4]}
    new = split.new.upcoming(at, 3)
    assert [o.start.astimezone(LONDON).replace(tzinfo=None) for o in new] == [
        datetime(2027, 4, 2, 19), datetime(2027, 4, 9, 19), datetime(2027, 4, 16, 19)]
    assert all(o.end - o.start == 2 * HOUR for o in new)
    assert isinstance(series.split(at, start=datetime(2027, 4, 3, 19, tzinfo=LONDON)), Refusal)  # a Saturday
    assert isinstance(series.split(start - HOUR), Refusal)


def test_a_split_keeps_the_remaining_count() -> None:
    start = datetime(2027, 3, 5, 18, tzinfo=LONDON)
    series = Series.create(start, LONDON, HOUR, weekly(start) + ";COUNT=5")
    split = series.split(datetime(2027, 3, 20, tzinfo=UTC))
    assert isinstance(split, Split)
    assert len(split.old.upcoming(start - HOUR, 10)) == 3
    assert len(split.new.upcoming(start - HOUR, 10)) == 2


def test_check_rule() -> None:
    start = datetime(2027, 3, 5, 18, tzinfo=LONDON)
    assert check_rule(weekly(start), start) is None
    assert isinstance(check_rule("FREQ=MINUTELY", start), Refusal)
    assert isinstance(check_rule("FREQ=WEEKLY;BYDAY=MO", start), Refusal)  # a Friday start
    assert isinstance(check_rule("nonsense", start), Refusal)


zones = st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Australia/Sydney")])
firsts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2035, 1, 1)).map(
    lambda d: d.replace(second=0, microsecond=0))


def fit(kind: str, start: datetime) -> datetime:
    """A start the rule fits: for 'last', the last such weekday of its month."""
    if kind != "last":
        return start
    while (start + timedelta(days=7)).month == start.month:
        start += timedelta(days=7)
    return start


def rule_for(kind: str, start: datetime) -> str:
    builders = {"weekly": lambda: weekly(start), "every2": lambda: weekly(start, 2), "daily": lambda: "FREQ=DAILY",
                "monthly": lambda: monthly_on_day(start), "weekday": lambda: monthly_on_weekday(start),
                "last": lambda: monthly_on_weekday(start, last=True)}
    return builders[kind]()


kinds = st.sampled_from(["weekly", "every2", "daily", "monthly", "weekday", "last"])


@settings(max_examples=150, deadline=None)
@given(tz=zones, first=firsts, hour=st.integers(min_value=4, max_value=23), kind=kinds)
def test_every_occurrence_is_at_the_same_local_time(tz: ZoneInfo, first: datetime, hour: int, kind: str) -> None:
    start = fit(kind, first.replace(hour=hour, tzinfo=tz))
    series = Series.create(start, tz, HOUR, rule_for(kind, start))
    got = series.upcoming(start.astimezone(UTC) - timedelta(seconds=1), 30)
    assert len(got) == 30
    assert all(o.start.astimezone(tz).time() == start.time() for o in got)
    assert [o.start for o in got] == sorted({o.start for o in got})
    assert got[0].start == start.astimezone(UTC)


ops = st.lists(st.tuples(st.sampled_from(["cancel", "move", "restore"]), st.integers(0, 9),
                         st.integers(-72, 72)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(tz=zones, first=firsts, kind=kinds, steps=ops)
def test_exceptions_change_only_their_occurrence(tz: ZoneInfo, first: datetime, kind: str,
                                                 steps: list[tuple[str, int, int]]) -> None:
    start = fit(kind, first.replace(hour=18, tzinfo=tz))
    base = Series.create(start, tz, HOUR, rule_for(kind, start))
    since = start.astimezone(UTC) - timedelta(days=5)
    keys = [o.key for o in base.upcoming(since, 10)]
    series = base
    for op, index, hours in steps:
        key = keys[index]
        result = (series.cancel(key) if op == "cancel" else series.restore(key) if op == "restore"
                  else series.move(key, key + timedelta(hours=hours)))
        if isinstance(result, Series):
            series = result
    got = {o.key: o for o in series.upcoming(since, 10 + len(keys))}
    moves = {m.key: m for m in series.moves}
    for key in keys:
        if key in series.cancelled:
            assert key not in got and series.occurrence(key) is None
        elif key in moves:
            assert got[key].start == moves[key].start and got[key].moved
        else:
            assert got[key].start == key and not got[key].moved
    starts = [o.start for o in got.values()]
    assert len(starts) == len(set(starts))


@settings(max_examples=100, deadline=None)
@given(tz=zones, first=firsts, kind=kinds, cut=st.integers(min_value=1, max_value=400))
def test_a_split_partitions_the_occurrences(tz: ZoneInfo, first: datetime, kind: str, cut: int) -> None:
    start = fit(kind, first.replace(hour=18, tzinfo=tz))
    series = Series.create(start, tz, HOUR, rule_for(kind, start))
    at = start.astimezone(UTC) + timedelta(days=cut, hours=1)
    split = series.split(at)
    assert isinstance(split, Split)
    since = start.astimezone(UTC) - HOUR
    old = [o.key for o in split.old.upcoming(since, 500)]
    assert old and all(k < at for k in old)
    new = [o.key for o in split.new.upcoming(since, 20)]
    assert new == [o.key for o in series.upcoming(at - timedelta(seconds=1), 20)]
    assert set(old) | {o.key for o in series.upcoming(since, len(old))} == set(old)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_recurrence_text_is_answered(text: str) -> None:
    start = datetime(2026, 12, 25, 18, tzinfo=LONDON)
    result = parse_recurrence(text, start)
    assert result is None or isinstance(result, Refusal) or check_rule(result, start) is None
