"""/remind and /reminders through the dispatcher."""

from __future__ import annotations

from bot.actions import SendDirect, SendMessage
from bot.testing import Harness
from tests.cogs.events.conftest import button, dms, replies, start


async def test_remind_in_2h_is_delivered_once_at_its_time(h: Harness) -> None:
    set_ = await h.command("bob", "/remind in 2h check the PR")
    assert replies(set_) == ["I'll remind you Monday 5 January 2026 at 14:00 Europe/London (GMT), today, in 2h: "
                             "check the PR."]
    assert dms(await h.advance(minutes=119)) == []
    assert dms(await h.advance(minutes=1)) == ["⏰ You asked me to remind you: check the PR"]
    assert dms(await h.advance(days=2)) == []


async def test_every_monday_repeats_and_reminders_lists_and_deletes(h: Harness) -> None:
    await h.command("bob", "/remind every monday 9am weekly report")
    await h.command("bob", "/remind tomorrow 9am standup notes")
    listed = await h.command("bob", "/reminders")
    assert replies(listed)[0].splitlines() == ["Your reminders:", "1. Tue 6 Jan 2026, 09:00 GMT — standup notes",
                                               "2. Mon 12 Jan 2026, 09:00 GMT — weekly report (repeats)"]
    deleted = await h.press("bob", button(listed, "Delete 1"))
    assert replies(deleted) == ["Deleted: standup notes."]
    assert replies(await h.press("bob", button(listed, "Delete 1"))) == ["That reminder is gone already."]
    got = []
    for _ in range(8 * 15):  # every three hours, landing on 09:00 each day
        got += dms(await h.advance(hours=3))
    assert got == ["⏰ You asked me to remind you: weekly report"] * 2


async def test_the_per_member_limit_and_a_bad_time_are_answered(db_url: str) -> None:
    h = await start(db_url, "      personal_limit: 1")
    try:
        await h.command("bob", "/remind in 1h one")
        assert replies(await h.command("bob", "/remind in 2h two")) == [
            "You have 1 reminders, the most allowed here. Delete one with /reminders first."]
        assert replies(await h.command("carol", "/remind at some point")) == [
            "I couldn't find when at the start of that. Try `/remind in 2h check the PR`, "
            "`/remind tomorrow 9am standup notes` or `/remind every monday 9am weekly report`."]
    finally:
        await h.close()


async def test_a_member_with_dms_off_is_reminded_in_the_channel_mentioning_only_them(h: Harness) -> None:
    await h.command("bob", "/settings dm off")
    await h.command("bob", "/remind in 1h stretch", channel="#general")
    [post] = [a for a in await h.advance(hours=1) if isinstance(a, (SendMessage, SendDirect))]
    assert isinstance(post, SendMessage) and post.channel.id == "general"
    assert post.content.plain() == "@bob ⏰ You asked me to remind you: stretch"
    assert post.content.ping == (h.user("bob"),)
