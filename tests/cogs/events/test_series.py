"""Recurring events through the dispatcher: DST, one occurrence moved or skipped, .ics round-trip."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

from bot.actions import EditMessage, SendDirect, SendMessage
from bot.testing import Harness
from tests.cogs.events.conftest import create, dms, edits, posts, replies, start

LONDON = ZoneInfo("Europe/London")


async def test_a_weekly_event_reminds_at_the_same_local_hour_across_the_dst_change(db_url: str) -> None:
    h = await start(db_url, "      reminders: [1h]", now=datetime(2026, 3, 16, 12, 0, tzinfo=UTC))
    try:
        card = posts(await create(h, "friday 18:00", details="weekly"))[0]
        going = card.content.buttons[0]
        await h.press("bob", going)
        reminded: list[datetime] = []
        for _ in range(24 * 21):  # three weeks, an hour at a time: 20 March, 27 March, 3 April (after the change)
            done = await h.advance(hours=1)
            if dms(done, "bob") and "Reminder" in dms(done, "bob")[0]:
                reminded.append(h.clock.now())
            for edit in (a for a in done if isinstance(a, EditMessage) and a.content.buttons):
                if edit.content.buttons[0].value != going.value:  # the card moved on to the next occurrence
                    going = edit.content.buttons[0]
                    await h.press("bob", going)  # each occurrence has its own answers
        assert [r.astimezone(LONDON).strftime("%a %d %b %H:%M %Z") for r in reminded] == [
            "Fri 20 Mar 17:00 GMT", "Fri 27 Mar 17:00 GMT", "Fri 03 Apr 17:00 BST"]
        assert reminded[-1].hour == 16  # in UTC the hour moved; in London it did not
    finally:
        await h.close()


async def test_one_occurrence_moved_while_the_series_stays(h: Harness) -> None:
    going = posts(await create(h, "friday 18:00", details="weekly; reminders 1h"))[0].content.buttons[0]
    await h.press("bob", going)
    moved = await h.command("mod", "/event move 1 2026-01-09 to 2026-01-10 19:00")
    assert replies(moved) == ["The Friday 9 January 2026 at 18:00 Europe/London (GMT) occurrence of event #1 is moved "
                              "to Saturday 10 January 2026 at 19:00 Europe/London (GMT); the rest of the series stays."]
    assert "This occurrence was moved." in next(a.content.plain() for a in moved if isinstance(a, EditMessage))
    sent: list[tuple[datetime, str]] = []
    for _ in range(24 * 12):
        for a in await h.advance(hours=1):
            if isinstance(a, SendDirect) and "Reminder" in a.content.plain():
                sent.append((h.clock.now(), a.content.plain()))
            if isinstance(a, EditMessage) and a.content.buttons and a.content.buttons[0].value != going.value:
                going = a.content.buttons[0]
                await h.press("bob", going)
    assert [(at.astimezone(LONDON).strftime("%a %d %H:%M"), body) for at, body in sent] == [
        ("Sat 10 18:00", "⏰ Reminder: Game night starts Sat 10 Jan 2026, 19:00 GMT."),
        ("Fri 16 17:00", "⏰ Reminder: Game night starts Fri 16 Jan 2026, 18:00 GMT."),
    ]


async def test_skipping_one_occurrence_tells_those_who_answered_it(h: Harness) -> None:
    going = posts(await create(h, "friday 18:00", details="weekly"))[0].content.buttons[0]
    await h.press("bob", going)
    skipped = await h.command("mod", "/event skip 1 2026-01-09")
    assert dms(skipped, "bob") == ["The Fri 9 Jan 2026, 18:00 GMT occurrence of event #1 (Game night) is cancelled; "
                                   "the rest of the series stays."]
    card = next(a for a in skipped if isinstance(a, EditMessage)).content
    assert "Fri 16 Jan 2026, 18:00 GMT" in card.plain()
    assert replies(await h.press("carol", going)) == [
        "That occurrence no longer exists (it was skipped); the event's card has the current one."]
    assert replies(await h.command("mod", "/event skip 1 2026-01-12")) == [
        "Event #1 has no occurrence on 2026-01-12 (still to come)."]


async def test_the_ics_file_parsed_back_gives_the_same_times(h: Harness) -> None:
    await create(h, "friday 18:00", details="weekly", place="https://meet.example/x")
    await h.command("mod", "/event move 1 2026-01-16 to 2026-01-17 11:00")
    await h.command("mod", "/event skip 1 2026-01-23")
    [message] = [a for a in await h.command("bob", "/event ics 1") if isinstance(a, SendMessage)]
    [file] = message.files
    assert file.name == "event-1.ics" and file.content_type == "text/calendar"
    parsed = Calendar.from_ical(file.data)
    starts = [e["DTSTART"].dt for e in recurring_ical_events.of(parsed).between(
        datetime(2026, 1, 1), datetime(2026, 4, 30))]
    assert [s.astimezone(LONDON).strftime("%d %b %H:%M") for s in starts[:5]] == [
        "09 Jan 18:00", "17 Jan 11:00", "30 Jan 18:00", "06 Feb 18:00", "13 Feb 18:00"]
    assert "03 Apr 18:00" in [s.astimezone(LONDON).strftime("%d %b %H:%M") for s in starts]  # after the change
    assert b"URL:https://meet.example/x" in file.data


async def test_the_series_changed_from_a_date_on(h: Harness) -> None:
    await create(h, "friday 18:00", details="weekly")
    changed = await h.command("mod", "/event from 1 2026-01-23 to 2026-01-24 11:00; every 2 weeks")
    assert replies(changed) == ["Event #1 ends before 2026-01-23; from then on it is event #2, starting Saturday 24 "
                                "January 2026 at 11:00 Europe/London (GMT), in 19 days."]
    listed = replies(await h.command("mod", "/event info 1"))[0]
    assert "Then: Fri 16 Jan 2026, 18:00 GMT" in listed and "23 Jan" not in listed
    second = replies(await h.command("mod", "/event info 2"))[0]
    assert "Sat 24 Jan 2026, 11:00 GMT" in second and "Then: Sat 7 Feb 2026, 11:00 GMT" in second
    assert replies(await h.command("mod", "/event from 1 someday to friday 18:00")) == [
        "/event from: name the first changed day as YYYY-MM-DD. Write `/event from N YYYY-MM-DD to START`, "
        "optionally `; weekly` (or another repetition)."]


async def test_edit_changes_the_repetition_and_the_reminders_and_keeps_the_answers(h: Harness) -> None:
    going = posts(await create(h, "tomorrow 18:00"))[0].content.buttons[0]  # a one-off, Tue 6 Jan, 24h and 1h
    await h.press("bob", going)
    await h.command("mod", "/event edit 1")
    edited = await h.submit("mod", "events:edit", {"details": "weekly; reminders 2h"}, value="1")
    assert replies(edited) == ["Event #1 is updated."]
    assert dms(edited) == []  # the time did not change: nobody is told of a new one
    assert "weekly" in edits(edited)[0]
    got: list[tuple[str, str]] = []
    for _ in range(8 * 24):  # eight days, an hour at a time (bob answered only the first occurrence)
        got += [(h.clock.now().strftime("%a %d %H:%M"), d) for d in dms(await h.advance(hours=1), "bob")
                if "Reminder" in d]
    assert got == [("Tue 06 16:00", "⏰ Reminder: Game night starts Tue 6 Jan 2026, 18:00 GMT.")]  # 2h, not 24h/1h
    info = replies(await h.command("bob", "/event info 1"))[0]
    assert "Tue 13 Jan 2026, 18:00 GMT" in info
    await h.command("mod", "/event edit 1")
    assert replies(await h.submit("mod", "events:edit", {"details": "every 99 weeks"}, value="1")) == [
        "Nothing was changed:\n• Seats, repeat, reminders: I didn't understand “every 99 weeks”: Every 1 to 12 "
        "weeks can be repeated. Write e.g. `capacity 20; weekly; reminders 24h, 1h`."]
    once = await h.submit("mod", "events:edit", {"details": "once"}, value="1")
    assert replies(once) == ["Event #1 is updated."]
    assert "weekly" not in edits(once)[0]
