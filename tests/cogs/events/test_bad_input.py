"""Bad input to the events cog is answered clearly and loses nothing; late reminders go once, marked, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.actions import Reply
from bot.components import Button
from bot.testing import Harness
from cogs.events.draft import Draft, read_draft
from tests.cogs.events.conftest import MONDAY_NOON, button, create, dms, posts, replies, start

FIELDS = ("title", "start", "length", "place", "details")


async def submit(h: Harness, **fields: str) -> list[str]:
    values = {"title": "Quiz", "start": "tomorrow 18:00", "length": "", "place": "", "details": ""} | fields
    return replies(await h.submit("mod", "events:create", values))


async def test_a_past_or_unreadable_start_says_what_was_understood(h: Harness) -> None:
    assert await submit(h, start="2026-01-04 18:00") == [
        "I couldn't create that event:\n• Starts: That start is in the past: I read it as Sunday 4 January 2026 "
        "at 18:00 Europe/London (GMT). Give a time after now.\nRun /event create again with those fixed."]
    [unread] = await submit(h, start="someday soon", length="forever", details="capacity lots")
    assert unread.splitlines()[1:3] == [
        "• Starts: That start has no time of day. Add one, like `friday 18:00` or `tomorrow 7pm`.",
        "• Length: That isn't a length of time. Try `90m`, `1h30m` or `2 hours`."]
    [details] = await submit(h, details="capacity lots")
    assert "Seats, repeat, reminders: A capacity is a whole number, not “lots”." in details


async def test_a_capacity_below_those_going_is_refused_and_nothing_changes(h: Harness) -> None:
    going = posts(await create(h, "tomorrow 18:00", details="capacity 3"))[0].content.buttons[0]
    await h.press("bob", going)
    await h.press("carol", going)
    await h.command("mod", "/event edit 1")
    refused = await h.submit("mod", "events:edit", {"capacity": "1"}, value="1")
    assert replies(refused) == ["Nothing was changed:\n• Capacity: 2 people are already going: the capacity can't "
                                "be below that. Raise it, or ask people to step back first."]
    raised = await h.submit("mod", "events:edit", {"capacity": "2", "title": "Quiz night"}, value="1")
    assert replies(raised)[0] == "Event #1 is updated."
    assert "Quiz night" in next(a.content.plain() for a in raised if hasattr(a, "message"))


async def test_an_offset_longer_than_the_time_left_is_reported(h: Harness) -> None:
    done = await create(h, "in 3 hours")
    assert replies(done) == ["Event #1 is posted in #events. No 1d reminder: the event starts sooner than that."]


async def test_double_press_and_a_finished_event_are_answered(h: Harness) -> None:
    going = posts(await create(h, "tomorrow 18:00"))[0].content.buttons[0]
    await h.press("bob", going)
    assert replies(await h.press("bob", going)) == ["You're going already; nothing changed."]
    await h.advance(days=2)
    assert replies(await h.press("bob", going)) == ["This event has already finished, so answers are closed."]
    assert replies(await h.press("bob", Button("Going", "events:rsvp", "1:garbage:going"))) == [
        "That button isn't one of Steward's event buttons any more."]


async def test_a_reminder_due_while_steward_was_down_goes_once_marked_late(db_url: str) -> None:
    first = await start(db_url)
    going = posts(await create(first, "tomorrow 18:00", details="reminders 1h"))[0].content.buttons[0]
    await first.press("bob", going)
    await first.close()
    # Down from Monday noon until Tuesday 17:30: the 1h reminder (17:00) is half an hour late.
    second = await start(db_url, now=datetime(2026, 1, 6, 17, 30, tzinfo=UTC))
    try:
        late = dms(second.performed, "bob")
        assert late == ["⏰ Reminder: Game night starts Tue 6 Jan 2026, 18:00 GMT. (late: Steward was offline when "
                        "this was due)"]
        assert dms(await second.advance(minutes=20), "bob") == []
    finally:
        await second.close()
    third = await start(db_url, now=datetime(2026, 1, 6, 17, 40, tzinfo=UTC))  # and again: not a second time
    try:
        assert dms(third.performed, "bob") == []
    finally:
        await third.close()


async def test_a_reminder_past_its_use_is_skipped_not_sent(db_url: str) -> None:
    first = await start(db_url)
    going = posts(await create(first, "tomorrow 18:00", details="reminders 1h"))[0].content.buttons[0]
    await first.press("bob", going)
    await first.close()
    second = await start(db_url, now=datetime(2026, 1, 6, 18, 30, tzinfo=UTC))  # after the start
    try:
        assert [d for d in dms(second.performed, "bob") if "Reminder" in d] == []
    finally:
        await second.close()


async def test_hostile_form_text_is_answered_never_a_traceback(h: Harness) -> None:
    nasty = ["", " ", "\udcff", "<@everyone>", "@here 18:00", "9" * 200, "friday 25:00", "in -2h", "0/0/0 0:0",
             "next friday 18:00 EST", "2026-03-29 01:30", "tomorrow 9am 30", "\x00\x1b[31m"]
    for value in nasty:
        for field in FIELDS:
            got = await h.submit("mod", "events:create", {"title": "T", "start": "tomorrow 18:00"} | {field: value})
            [answer] = [a for a in got if isinstance(a, Reply)]
            assert "Something went wrong" not in answer.content.plain(), (field, value)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=60)))
def test_any_form_input_reads_as_a_draft_or_reasons(fields: dict[str, str]) -> None:
    result = read_draft(fields, tz=ZoneInfo("Europe/London"), now=MONDAY_NOON, default_length=timedelta(hours=1),
                        default_offsets=(timedelta(hours=1),))
    if isinstance(result, Draft):
        assert result.series.start > MONDAY_NOON and result.title
    else:
        assert result and all(isinstance(r, str) and r for r in result)


async def test_everyone_who_answered_is_told_of_a_new_time(h: Harness) -> None:
    buttons = posts(await create(h, "tomorrow 18:00"))[0].content.buttons
    await h.press("bob", buttons[0])
    await h.press("carol", buttons[1])
    await h.command("mod", "/event edit 1")
    moved = await h.submit("mod", "events:edit", {"start": "wednesday 19:00"}, value="1")
    assert sorted(dms(moved)) == ["Event #1 (Game night) has a new time: Wed 7 Jan 2026, 19:00 GMT."] * 2
    reminders = []
    for _ in range(60):
        reminders += [d for d in dms(await h.advance(hours=1), "bob") if "Reminder" in d]
    assert reminders == ["⏰ Reminder: Game night starts Wed 7 Jan 2026, 19:00 GMT."] * 2  # moved with the start
    assert button  # the helper module is shared
