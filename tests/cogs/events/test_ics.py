"""iCalendar export: RRULE, EXDATE, RECURRENCE-ID and VTIMEZONE, parsed back to the same times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from cogs.events.ics import CalendarEvent, clean_text, event_ics, feed_ics
from cogs.events.recurrence import Series, Split, monthly_on_day, weekly

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def parsed_back(data: bytes, since: datetime, until: datetime) -> list[tuple[datetime, datetime, datetime]]:
    """(start, end, recurrence id) in UTC of every occurrence recurring-ical-events finds."""
    calendar = Calendar.from_ical(data)
    out = []
    for component in recurring_ical_events.of(calendar).between(since, until):
        rid = component.get("RECURRENCE-ID")
        start = component.decoded("DTSTART").astimezone(UTC)
        key = rid.dt.astimezone(UTC) if rid is not None else start
        out.append((start, component.decoded("DTEND").astimezone(UTC), key))
    return sorted(out)


def expected(series: Series, since: datetime, count: int = 200) -> list[tuple[datetime, datetime, datetime]]:
    return sorted((o.start, o.end, o.key) for o in series.upcoming(since, count))


def weekly_with_exceptions() -> tuple[Series, list[datetime]]:
    start = datetime(2027, 3, 19, 18, tzinfo=LONDON)
    series = Series.create(start, LONDON, 2 * H, weekly(start))
    keys = [o.key for o in series.upcoming(start - H, 5)]
    cancelled = series.cancel(keys[2])
    assert isinstance(cancelled, Series)
    moved = cancelled.move(keys[1], keys[1] + 25 * H)
    assert isinstance(moved, Series)
    return moved, keys


def test_a_series_with_a_cancelled_and_a_moved_occurrence() -> None:
    series, keys = weekly_with_exceptions()
    data = event_ics(CalendarEvent("e1@acme.steward", "Game night", series, location="The Crown"), NOW)
    text = data.decode()
    assert "DTSTART;TZID=Europe/London:20270319T180000" in text
    assert "RRULE:FREQ=WEEKLY;BYDAY=FR" in text
    assert "EXDATE;TZID=Europe/London:20270402T180000" in text  # 18:00 BST, after the clocks went forward
    assert "RECURRENCE-ID;TZID=Europe/London:20270326T180000" in text
    assert "DTSTART;TZID=Europe/London:20270327T190000" in text
    assert text.count("BEGIN:VEVENT") == 2 and text.count("UID:e1@acme.steward") == 2
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text
    since = datetime(2027, 3, 1, tzinfo=UTC)
    until = datetime(2027, 6, 1, tzinfo=UTC)
    back = parsed_back(data, since, until)
    assert back == [o for o in expected(series, since) if o[0] < until]
    assert len(back) == 10  # 11 Fridays, one cancelled
    assert [start.astimezone(LONDON).hour for start, _, key in back if key != keys[1]] == [18] * 9


def test_the_vtimezone_itself_gives_the_same_offsets() -> None:
    series, _ = weekly_with_exceptions()
    calendar = Calendar.from_ical(event_ics(CalendarEvent("e1", "Game night", series), NOW))
    (zone,) = calendar.timezones
    from_vtimezone = zone.to_tz()
    for occurrence in series.upcoming(NOW, 60):
        wall = occurrence.start.astimezone(LONDON).replace(tzinfo=None)
        assert wall.replace(tzinfo=from_vtimezone).utcoffset() == wall.replace(tzinfo=LONDON).utcoffset()


def test_a_one_off_event_and_a_cancelled_one() -> None:
    one = Series.create(datetime(2027, 7, 1, 18, tzinfo=NEW_YORK), NEW_YORK, 90 * timedelta(minutes=1))
    data = event_ics(CalendarEvent("e2", "Webinar", one, url="https://example.org/w"), NOW)
    assert "RRULE" not in data.decode() and "DTSTART;TZID=America/New_York:20270701T180000" in data.decode()
    assert parsed_back(data, NOW, NOW + 365 * 24 * H) == [
        (datetime(2027, 7, 1, 22, tzinfo=UTC), datetime(2027, 7, 1, 23, 30, tzinfo=UTC),
         datetime(2027, 7, 1, 22, tzinfo=UTC))]
    assert "STATUS:CANCELLED" in event_ics(CalendarEvent("e2", "Webinar", one, cancelled=True), NOW).decode()


def test_a_split_series_is_two_events_in_one_feed() -> None:
    start = datetime(2027, 3, 5, 18, tzinfo=LONDON)
    series = Series.create(start, LONDON, H, weekly(start))
    split = series.split(datetime(2027, 3, 29, tzinfo=UTC), start=datetime(2027, 4, 2, 19, tzinfo=LONDON))
    assert isinstance(split, Split)
    data = feed_ics([CalendarEvent("e3-a", "Club", split.old), CalendarEvent("e3-b", "Club", split.new)],
                    NOW, name="acme events")
    assert "UNTIL=20270326T180000Z" in data.decode() and "X-WR-CALNAME:acme events" in data.decode()
    since, until = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC)
    assert parsed_back(data, since, until) == [o for o in sorted(expected(split.old, since) +
                                                                expected(split.new, since)) if o[0] < until]


def test_member_text_is_escaped_and_made_writable() -> None:
    series = Series.create(datetime(2027, 7, 1, 18, tzinfo=LONDON), LONDON, H)
    title = "Games; snacks, and\nmore \ud800\x00 END:VEVENT"
    data = event_ics(CalendarEvent("e4", title, series, description="BEGIN:VALARM"), NOW)
    (component,) = [c for c in Calendar.from_ical(data).walk("VEVENT")]
    assert str(component["SUMMARY"]) == "Games; snacks, and\nmore \ufffd END:VEVENT"
    assert data.decode().count("BEGIN:VEVENT") == 1
    assert clean_text("a\ud83db\x07c") == "a\ufffdbc"


zones = st.sampled_from([LONDON, NEW_YORK, ZoneInfo("Australia/Sydney")])


@settings(max_examples=60, deadline=None)
@given(tz=zones, first=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2034, 1, 1)),
       hour=st.integers(min_value=6, max_value=22), monthly=st.booleans(),
       steps=st.lists(st.tuples(st.booleans(), st.integers(0, 11), st.integers(-48, 48)), max_size=6),
       title=st.text(max_size=30))
def test_any_series_round_trips_through_recurring_ical_events(tz: ZoneInfo, first: datetime, hour: int, monthly: bool,
                                                               steps: list[tuple[bool, int, int]], title: str) -> None:
    start = first.replace(hour=hour, minute=first.minute // 15 * 15, second=0, microsecond=0, tzinfo=tz)
    series = Series.create(start, tz, H, monthly_on_day(start) if monthly else weekly(start))
    since = start.astimezone(UTC) - 50 * H  # before any move (at most 48h earlier): between() and upcoming() agree
    keys = [o.key for o in series.upcoming(since, 12)]
    for cancel, index, hours in steps:
        result = series.cancel(keys[index]) if cancel else series.move(keys[index], keys[index] + hours * H)
        if isinstance(result, Series):
            series = result
    data = event_ics(CalendarEvent("e", title, series), NOW)
    until = keys[-1] + timedelta(days=3)
    want = [o for o in expected(series, since, 40) if o[0] < until]
    # between() also yields what merely overlaps the window; compare what starts inside it, as upcoming() does
    got = [o for o in parsed_back(data, since - timedelta(days=3), until) if since < o[0] < until]
    assert got == want
