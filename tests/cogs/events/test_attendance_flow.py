"""Check-in while an event runs, going versus attended as facts, and ratings afterwards."""

from __future__ import annotations

from bot.actions import SendMessage
from bot.facts import AttendanceChecked, EventRated, RsvpChanged
from bot.testing import Harness
from tests.cogs.events.conftest import button, create, dms, posts, replies


async def test_check_in_attendance_facts_and_ratings(h: Harness) -> None:
    going = posts(await create(h, "tomorrow 18:00"))[0].content.buttons[0]
    await h.press("bob", going)
    await h.press("carol", going)
    started = []
    for _ in range(30):  # to Tuesday 18:00
        started += await h.advance(hours=1)
    [announce] = [a for a in started if isinstance(a, SendMessage) and "starting now" in a.content.plain()]
    assert announce.content.plain() == "▶️ Game night is starting now. Press I'm here when you arrive."
    checkin = button([announce], "I'm here")
    assert replies(await h.press("bob", checkin)) == ["Checked in to Game night. Enjoy!"]
    assert replies(await h.press("bob", checkin)) == ["You're checked in already."]
    assert replies(await h.press("dan", checkin)) == ["Checked in to Game night. Enjoy!"]  # a walk-in
    ended = await h.advance(hours=2)
    asked = [a for a in ended if "How was it" in a.content.plain()]  # type: ignore[attr-defined]
    assert sorted(a.user.id for a in asked) == ["bob", "dan"]  # type: ignore[attr-defined]
    assert replies(await h.press("eve", button(asked, "4"))) == ["Ratings are for those who went."]
    rated = await h.press("bob", button(asked, "4"))
    assert [type(a).__name__ for a in rated] == ["OpenForm"]
    assert replies(await h.submit("bob", "events:comment", {"comment": "great quiz"}, value=button(asked, "4").value)) \
        == ["Thanks — your comment is with the organisers."]
    facts = await h.runtime.cogs.cogs_of("acme")[-1].ctx.facts((AttendanceChecked, EventRated, RsvpChanged))
    seen = sorted((type(f).__name__, getattr(f, "attended", getattr(f, "rating", getattr(f, "status", None))))
                  for f in facts)
    assert seen == [("AttendanceChecked", False), ("AttendanceChecked", True), ("AttendanceChecked", True),
                    ("EventRated", 4), ("EventRated", 4), ("RsvpChanged", "going"), ("RsvpChanged", "going")]
    assert dms(await h.advance(days=3)) == []  # nothing more for a finished one-off


async def test_a_host_marks_attendees_and_nobody_checked_in_means_those_going_are_asked(h: Harness) -> None:
    going = posts(await create(h, "tomorrow 18:00"))[0].content.buttons[0]
    await h.press("bob", going)
    await h.press("carol", going)
    h.add_member("dan")
    assert replies(await h.command("mod", "/event here 1 @dan")) == [
        "Event #1 isn't running now; mark people while it runs."]
    for _ in range(30):
        await h.advance(hours=1)
    assert replies(await h.command("mod", "/event here 1 @dan @nobody")) == [
        "Marked present at event #1: dan. Not found here: @nobody."]
    assert replies(await h.command("bob", "/event here 1 @bob")) == [
        "Changing events is for moderators and event hosts; /event here isn't yours to use."]
    ended = await h.advance(hours=2)
    asked = sorted(a.user.id for a in ended if "How was it" in a.content.plain())  # type: ignore[attr-defined]
    assert asked == ["dan"]  # dan was marked present; bob and carol said Going but nobody saw them
    facts = await h.runtime.cogs.cogs_of("acme")[-1].ctx.facts((AttendanceChecked,))
    assert sorted(f.attended for f in facts) == [False, False, True]  # type: ignore[attr-defined]


async def test_when_nobody_checked_in_those_going_are_asked_for_a_rating(h: Harness) -> None:
    going = posts(await create(h, "tomorrow 18:00"))[0].content.buttons[0]
    await h.press("bob", going)
    ended = []
    for _ in range(33):
        ended += await h.advance(hours=1)
    assert sorted(a.user.id for a in ended if "How was it" in a.content.plain()) == ["bob"]  # type: ignore[attr-defined]
