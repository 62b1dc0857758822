"""Announcements on SQLite and PostgreSQL: now, later, edited and cancelled until they go out, on both platforms."""

from __future__ import annotations

from bot.facts import AnnouncementPosted
from bot.testing import Harness
from cogs.engagement import COG
from tests.cogs.engagement.conftest import BASIC, CONFIG, cog, posts, replies


async def test_now_later_edit_and_cancel(h: Harness) -> None:
    now = await h.command("mod", "/announce #general The meetup moved to Thursday")
    assert [p.content.plain() for p in posts(now)] == ["📣 The meetup moved to Thursday"]
    assert replies(now) == ["Announcement #1 is posted in #general (memory)."]
    later = await h.command("mod", "/announce #general Maintenance tonight at 18:00")
    assert replies(later) == ["Announcement #2 will go out in #general on Mon 5 Jan 2026, 18:00 GMT. Change it with "
                              "/announce edit 2 …, or /announce cancel 2."]
    assert not posts(later)
    await h.command("mod", "/announce #general Party in 2h")
    assert replies(await h.command("mod", "/announce edit 2 Maintenance tonight, 30 minutes")) == [
        "Announcement #2 now says: Maintenance tonight, 30 minutes"]
    assert replies(await h.command("mod", "/announce cancel 3")) == ["Announcement #3 is cancelled; it won't go out."]
    listed = replies(await h.command("mod", "/announce list"))[0]
    assert listed.startswith("Pending announcements:\n#2 · #general · Mon 5 Jan 2026, 18:00 GMT")
    sent = await h.advance(hours=7)
    assert [p.content.plain() for p in posts(sent)] == ["📣 Maintenance tonight, 30 minutes"]
    assert replies(await h.command("mod", "/announce edit 2 too late")) == [
        "Announcement #2 went out already; it can't be changed now."]
    facts = await cog(h).ctx.facts((AnnouncementPosted,))
    assert [f.announcement for f in facts] == ["1", "2"]


async def test_bad_announcements_are_answered(h: Harness) -> None:
    cases = {
        "/announce": "/announce #channel text",
        "/announce hello": "Start with the channel",
        "/announce #nowhere hi": "I don't post to #nowhere",
        "/announce #general": "What should the announcement say?",
        "/announce #general hi at 2025-01-01 10:00": "2025-01-01 10:00 is in the past (it is 2026-01-05 12:00",
        "/announce #general hi at 11:00": "is in the past",
        "/announce #general hi at 25:00": "25:00 is not a time of day",
        "/announce #general hi at 2026-03-29 01:30": "does not exist in Europe/London",
        "/announce cancel x": "Which announcement?",
        "/announce cancel 9": "There is no announcement #9.",
    }
    for i, (line, expected) in enumerate(cases.items()):
        h.add_member(f"mod{i}", "Moderators")
        assert expected in replies(await h.command(f"mod{i}", line))[0], line
    assert replies(await h.command("bob", "/announce #general hi")) == [
        "/announce is for moderators; you can't use it here."]


async def test_a_community_on_two_platforms_gets_the_announcement_on_both(db_url: str) -> None:
    h = await Harness.start(CONFIG.replace("{extra}", BASIC), db_url=db_url,
                            cogs={"engagement": COG},
                            platforms=("discordish", "slackish"))
    try:
        h.add_member("mod", "Moderators", platform="discordish")
        done = await h.command("mod", "/announce #general Hello everyone", platform="discordish")
        assert sorted(p.channel.platform for p in posts(done)) == ["discordish", "slackish"]
        assert replies(done) == ["Announcement #1 is posted in #general (discordish and slackish)."]
    finally:
        await h.close()
