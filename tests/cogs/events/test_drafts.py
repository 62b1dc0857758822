"""A draft as stored reads back exactly (any text, zone, start, repetition, capacity and offsets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from cogs.events.draft import Draft
from cogs.events.recurrence import Series
from cogs.events.store import draft_json, draft_of


@given(st.text(max_size=200), st.text(max_size=300), st.text(max_size=1500),
       st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)),
       st.sampled_from(["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]),
       st.integers(min_value=60, max_value=14 * 86400),
       st.sampled_from([None, "FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY"]),
       st.none() | st.integers(min_value=1, max_value=10_000),
       st.lists(st.integers(min_value=60, max_value=30 * 86400), max_size=5))
def test_a_draft_round_trips_through_its_json(title: str, place: str, description: str, start: datetime, tz: str,
                                               seconds: int, rule: str | None, capacity: int | None,
                                               offsets: list[int]) -> None:
    draft = Draft(title, place, description, Series.create(start, ZoneInfo(tz), timedelta(seconds=seconds), rule),
                  capacity, tuple(timedelta(seconds=o) for o in offsets), "starts soon")
    back = draft_of(json.loads(json.dumps(draft_json(draft))))  # as the JSON column keeps it
    assert back == draft and back.series.tz.key == tz
    assert back.series.start.utcoffset() == draft.series.start.utcoffset()
