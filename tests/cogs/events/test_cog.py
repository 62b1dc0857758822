"""The events cog through the real dispatcher on SQLite and PostgreSQL: cards, RSVPs, waitlist, reminders."""

from __future__ import annotations

from bot.actions import SendDirect
from bot.scheduler import PENDING
from bot.testing import Harness, texts
from tests.cogs.events.conftest import button, create, dms, edits, posts, replies, start


async def test_create_echoes_the_start_then_posts_a_card_with_buttons(h: Harness) -> None:
    await h.command("mod", "/event create")
    echoed = await h.submit("mod", "events:create", {"title": "Game night", "start": "tomorrow 18:00",
                                                    "length": "2h", "place": "Room 4", "details": "capacity 2"})
    assert replies(echoed) == ["Please check: Game night — starts Tuesday 6 January 2026 at 18:00 Europe/London "
                               "(GMT), tomorrow, 2h. Seats: 2. Reminders: 1d, 1h."]
    assert not posts(echoed)  # nothing is posted before the creator confirms
    done = await h.press("mod", button(echoed, "Create it"))
    [card] = posts(done)
    assert card.content.plain().startswith("📅 Event #1: Game night\nWhen: Tue 6 Jan 2026, 18:00 GMT, 2h")
    assert "Going 0 · Maybe 0 · Can't go 0 · 2 seat(s) left" in card.content.plain()
    assert [b.label for b in card.content.buttons] == ["Going", "Maybe", "Can't go"]
    assert replies(done) == ["Event #1 is posted in #events."]


async def test_waitlist_promotion_tells_the_member_who_gets_the_seat(h: Harness) -> None:
    card = posts(await create(h, "tomorrow 18:00", details="capacity 1"))[0]
    going, _maybe, cant = card.content.buttons
    assert replies(await h.press("bob", going)) == ["You're going — Game night."]
    waited = await h.press("carol", going)
    assert replies(waited) == ["The event is full: you're on the waitlist, number 1 — Game night."]
    assert "1 waiting · 0 seat(s) left" in edits(waited)[0]
    assert replies(await h.press("carol", going)) == [
        "The event is full: you're on the waitlist already (number 1 on the waitlist); nothing changed."]
    freed = await h.press("bob", cant)
    assert dms(freed, "carol") == ["A seat freed up: you're now going to event #1 (Game night) on "
                                   "Tue 6 Jan 2026, 18:00 GMT."]
    assert "Going 1 · Maybe 0 · Can't go 1 · 0 seat(s) left" in edits(freed)[0]


async def test_reminders_at_each_offset_once_each_to_those_going_only(h: Harness) -> None:
    going, maybe, _ = posts(await create(h, "wednesday 18:00"))[0].content.buttons  # Wed 7 Jan, 18:00 GMT
    await h.press("bob", going)
    await h.press("dan", maybe)
    sent: list[SendDirect] = []
    for _ in range(60):  # Monday noon to Wednesday midnight, an hour at a time
        sent += [a for a in await h.advance(hours=1) if isinstance(a, SendDirect)]
    reminders = [a for a in sent if "Reminder" in a.content.plain()]
    assert [a.user.id for a in reminders] == ["bob", "bob"]
    assert [a.content.plain() for a in reminders] == ["⏰ Reminder: Game night starts Wed 7 Jan 2026, 18:00 GMT."] * 2
    assert texts(posts(sent)) == []


async def test_cancel_tells_everyone_who_answered_and_removes_the_reminders(h: Harness) -> None:
    going, maybe, cant = posts(await create(h, "friday 18:00"))[0].content.buttons
    for who, b in (("bob", going), ("carol", maybe), ("dan", cant)):
        await h.press(who, b)
    pending = await h.runtime.scheduler.pending(community="acme")
    assert len(pending) == 4  # 24h, 1h, the start announcement, the end
    cancelled = await h.command("mod", "/event cancel 1")
    assert sorted(a.user.id for a in cancelled if isinstance(a, SendDirect)) == ["bob", "carol", "dan"]
    assert set(dms(cancelled)) == {"Event #1 (Game night) on Fri 9 Jan 2026, 18:00 GMT is cancelled."}
    assert "❌ This event is cancelled." in edits(cancelled)[0]
    assert replies(cancelled) == ["Event #1 is cancelled; 3 member(s) who answered were told."]
    assert await h.runtime.scheduler.pending(community="acme") == []
    assert replies(await h.press("eve", going)) == ["This event was cancelled, so answers are closed."]
    assert not [a for a in await h.advance(days=5) if isinstance(a, SendDirect)]


async def test_a_restart_between_creation_and_reminder_loses_nothing(db_url: str) -> None:
    first = await start(db_url)
    going = posts(await create(first, "tomorrow 18:00"))[0].content.buttons[0]
    await first.press("bob", going)
    await first.close()
    second = await start(db_url)  # a new process on the same database, at the same moment
    try:
        jobs = await second.runtime.scheduler.pending(community="acme")
        assert len(jobs) == 4 and all(j.status == PENDING for j in jobs)  # nothing doubled by setup's re-plan
        sent = await second.advance(hours=6)
        assert dms(sent, "bob") == ["⏰ Reminder: Game night starts Tue 6 Jan 2026, 18:00 GMT."]
        assert dms(await second.advance(minutes=30), "bob") == []
    finally:
        await second.close()


async def test_channel_delivery_mentions_exactly_those_going_and_maybe(db_url: str) -> None:
    h = await start(db_url, "      deliver: channel\n      remind_maybe: true\n      reminders: [1h]")
    try:
        going, maybe, cant = posts(await create(h, "tomorrow 18:00"))[0].content.buttons
        await h.press("bob", going)
        await h.press("carol", maybe)
        await h.press("dan", cant)
        sent = []
        for _ in range(29):
            sent += [p for p in posts(await h.advance(hours=1)) if "Reminder" in p.content.plain()]
        [post] = sent
        assert post.content.plain() == "@bob @carol ⏰ Reminder: Game night starts Tue 6 Jan 2026, 18:00 GMT."
        assert post.content.ping == (h.user("bob"), h.user("carol"))  # nobody who didn't answer is pinged
    finally:
        await h.close()


async def test_a_description_is_added_before_creating_and_shown_on_the_card(h: Harness) -> None:
    await h.command("mod", "/event create")
    echoed = await h.submit("mod", "events:create", {"title": "Quiz", "start": "tomorrow 18:00"})
    opened = await h.press("mod", button(echoed, "Add a description"))
    assert [type(a).__name__ for a in opened] == ["OpenForm"]
    again = await h.submit("mod", "events:described", {"description": "Teams of four. <@everyone> welcome"})
    assert replies(again)[0].endswith("\nAbout: Teams of four. <@everyone> welcome")
    [card] = posts(await h.press("mod", button(again, "Create it")))
    assert "Teams of four. <@everyone> welcome" in card.content.plain()
    assert card.content.ping == ()  # member text pings nobody
    assert replies(await h.press("mod", button(again, "Add a description"))) == [
        "That draft is gone (created or discarded). Run /event create again."]


async def test_forgetting_a_member_frees_their_seat_for_the_waitlist(h: Harness) -> None:
    h.add_member("admin", "Admins")
    h.add_member("bob")
    going = posts(await create(h, "tomorrow 18:00", details="capacity 1"))[0].content.buttons[0]
    await h.press("bob", going)
    await h.press("carol", going)
    forgot = await h.command("admin", "/forget @bob")
    forgot += await h.advance(seconds=1)
    assert dms(forgot, "carol") == ["A seat freed up: you're now going to event #1 (Game night) on "
                                    "Tue 6 Jan 2026, 18:00 GMT."]
    info = replies(await h.command("carol", "/event info 1"))[0]
    assert "Going 1 · Maybe 0 · Can't go 0 · 0 seat(s) left" in info


async def test_a_restart_between_the_form_and_create_it_keeps_the_draft(db_url: str) -> None:
    first = await start(db_url)
    await first.command("mod", "/event create")
    echoed = await first.submit("mod", "events:create", {"title": "Quiz", "start": "friday 18:00", "length": "90m",
                                                         "place": "Room 4", "details": "capacity 3; weekly"})
    described = await first.submit("mod", "events:described", {"description": "Teams of four"})
    await first.close()
    second = await start(db_url, now=first.clock.now())  # a new process: the draft is in the database
    try:
        created = await second.press("mod", button(described, "Create it"))
        [card] = posts(created)
        assert card.content.plain().splitlines()[:3] == [
            "📅 Event #1: Quiz", "When: Fri 9 Jan 2026, 18:00 GMT, 1h30m, weekly", "Where: Room 4"]
        assert "Teams of four" in card.content.plain() and "3 seat(s) left" in card.content.plain()
        assert replies(await second.press("mod", button(echoed, "Create it"))) == [
            "That draft is gone (created or discarded). Run /event create again."]  # a second press: one event
    finally:
        await second.close()
