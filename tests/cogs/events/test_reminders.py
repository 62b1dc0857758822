"""Reminder planning: offsets, keys, expiry, moves and cancels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.events.recurrence import Occurrence
from cogs.events.refusal import Refusal
from cogs.events.reminders import (
    Verdict,
    delivery_key,
    parse_offsets,
    plan,
    reminder_key,
    reschedule,
    verdict,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
START = datetime(2027, 1, 8, 18, tzinfo=UTC)
OCC = Occurrence(key=START, start=START, end=START + 2 * H)
OFFSETS = (24 * H, H, 10 * M)


def test_a_reminder_per_offset_with_one_key_each() -> None:
    got = plan("42", OCC, OFFSETS, START - 3 * 24 * H)
    assert [r.due for r in got.reminders] == [START - 24 * H, START - H, START - 10 * M]
    assert [r.expires for r in got.reminders] == [START - H, START - 10 * M, START]
    assert got.too_late == ()
    assert got.reminders[0].key == "events:42:20270108T180000Z:86400s:20270108T180000Z"
    assert len({r.key for r in got.reminders}) == 3
    assert delivery_key(got.reminders[0], "p7") == got.reminders[0].key + ":p7"


def test_an_offset_longer_than_the_time_left_is_skipped_and_said() -> None:
    got = plan("42", OCC, OFFSETS, START - 5 * H)
    assert [r.offset for r in got.reminders] == [H, 10 * M]
    assert got.too_late == (24 * H,)
    assert got.explain_too_late() == "No 1d reminder: the event starts sooner than that."


def test_ten_minutes_before_is_worthless_after_the_start() -> None:
    (reminder,) = plan("42", OCC, (10 * M,), START - H).reminders
    assert verdict(reminder, START - 11 * M) is Verdict.WAIT
    assert verdict(reminder, START - 10 * M) is Verdict.SEND
    assert verdict(reminder, START - 5 * M) is Verdict.SEND_LATE
    assert verdict(reminder, START) is Verdict.EXPIRED
    assert verdict(reminder, START + H) is Verdict.EXPIRED


def test_after_a_restart_only_the_latest_reminder_goes_out() -> None:
    reminders = plan("42", OCC, OFFSETS, START - 3 * 24 * H).reminders
    back_up = START - 30 * M  # down from two days before until half an hour before
    assert [verdict(r, back_up) for r in reminders] == [Verdict.EXPIRED, Verdict.SEND_LATE, Verdict.WAIT]


def test_grace_from_config_drops_what_is_too_stale() -> None:
    (day,) = plan("42", OCC, (24 * H,), START - 3 * 24 * H, grace=2 * H).reminders
    assert day.expires == START - 22 * H
    assert verdict(day, START - 23 * H) is Verdict.SEND_LATE
    assert verdict(day, START - 21 * H) is Verdict.EXPIRED


def test_the_start_announcement() -> None:
    (start,) = plan("42", OCC, (timedelta(0),), START - H).reminders
    assert start.due == START and start.expires == START + 15 * M
    assert verdict(start, START + 5 * M) is Verdict.SEND_LATE


def test_a_move_supersedes_the_old_reminders_and_plans_new_ones() -> None:
    now = START - 3 * 24 * H
    pending = plan("42", OCC, OFFSETS, now).reminders
    moved = Occurrence(key=START, start=START + 24 * H, end=START + 26 * H, moved=True)
    change = reschedule(pending, "42", moved, OFFSETS, now)
    assert change.superseded == pending
    assert [r.due for r in change.added] == [START, START + 23 * H, START + 24 * H - 10 * M]
    assert not {r.key for r in change.added} & {r.key for r in pending}
    assert all(r.occurrence == START for r in change.added)  # still the same occurrence
    same = reschedule(pending, "42", OCC, OFFSETS, now)
    assert same.superseded == () and same.added == () and same.kept == pending
    fewer = reschedule(pending, "42", OCC, (H,), now)
    assert [r.offset for r in fewer.superseded] == [24 * H, 10 * M] and fewer.added == ()


def test_a_cancel_supersedes_everything() -> None:
    pending = plan("42", OCC, OFFSETS, START - 3 * 24 * H).reminders
    change = reschedule(pending, "42", None, OFFSETS, START - 2 * 24 * H)
    assert change.superseded == pending and change.added == ()


def test_parse_offsets() -> None:
    assert parse_offsets("24h, 1h, 10m") == (24 * H, H, 10 * M)
    assert parse_offsets("10m and 1 day; start") == (24 * H, 10 * M, timedelta(0))
    assert parse_offsets("1h, 60m") == (H,)
    assert parse_offsets("") == ()
    for bad, says in (("soon", "isn't a length"), ("40 days", "longer than"), ("1m,2m,3m,4m,5m,6m", "At most 5")):
        result = parse_offsets(bad)
        assert isinstance(result, Refusal) and says in result.reason


offsets = st.lists(st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda m: timedelta(minutes=m)),
                   max_size=5)


@settings(max_examples=300, deadline=None)
@given(chosen=offsets, created=st.integers(min_value=-60, max_value=5 * 24 * 60),
       grace=st.one_of(st.none(), st.integers(min_value=1, max_value=600).map(lambda m: timedelta(minutes=m))),
       probes=st.lists(st.integers(min_value=-5 * 24 * 60, max_value=120), max_size=20))
def test_never_two_reminders_at_once_and_none_after_its_use(chosen: list[timedelta], created: int,
                                                             grace: timedelta | None, probes: list[int]) -> None:
    now = START - timedelta(minutes=created)
    got = plan("e", OCC, chosen, now, grace=grace)
    assert {r.offset for r in got.reminders} | set(got.too_late) == set(chosen)
    assert len({r.key for r in got.reminders}) == len(got.reminders)
    for r in got.reminders:
        assert r.due >= now and r.due < r.expires
        assert r.expires <= (START if r.offset else START + 15 * M)
    for probe in probes:
        at = START + timedelta(minutes=probe)
        sendable = [r for r in got.reminders if verdict(r, at) in (Verdict.SEND, Verdict.SEND_LATE)]
        assert len(sendable) <= 1


@settings(max_examples=200, deadline=None)
@given(chosen=offsets, shift=st.integers(min_value=-3000, max_value=3000))
def test_a_move_never_resends_an_old_key_and_never_loses_an_offset(chosen: list[timedelta], shift: int) -> None:
    now = START - 6 * 24 * H
    pending = plan("e", OCC, chosen, now).reminders
    new_start = START + timedelta(minutes=shift)
    moved = Occurrence(START, new_start, new_start + H, moved=shift != 0)
    change = reschedule(pending, "e", moved, chosen, now)
    assert set(change.superseded) | set(change.kept) == set(pending)
    assert {r.offset for r in change.kept + change.added} | set(change.too_late) == set(chosen)
    if shift:
        assert change.kept == () and all(r.key != reminder_key("e", START, r.offset, START) for r in change.added)
