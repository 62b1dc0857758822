"""Member preferences: /settings, close matches for unknown zones, DMs off reaching the channel, Moments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.actions import Action, SendDirect, SendMessage
from bot.cog import Cog, command
from bot.content import Content, Mention, Moment
from bot.events import CommandInvoked
from bot.facts import PreferenceChanged
from bot.preferences import find_zone
from bot.refs import UserRef
from bot.testing import Harness, texts

CONFIG = """
communities:
  - name: acme
    timezone: Europe/London
    channels: {general: "#general", help: "#help"}
    pinger: {}
"""
AT = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)


class PingerCog(Cog):
    """DMs the invoker a time: what every cog does, with no preference check of its own."""

    name = "pinger"

    @command("remind", "DM me the meetup time.")
    async def remind(self, event: CommandInvoked) -> Action:
        return SendDirect(user=event.user, scope=event.scope, content=Content(("Meetup at ", Moment(AT), ".")))


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"pinger": PingerCog})
    yield harness
    await harness.close()


@pytest.mark.pg
async def test_settings_show_and_change_and_survive_in_the_table(h: Harness) -> None:
    assert "time zone Europe/London (the community's); DMs on" in texts(await h.command("ann", "/settings"))[0]
    assert "now Europe/Berlin" in texts(await h.command("ann", "/settings timezone europe/berlin"))[0]
    assert "DMs from Steward are off" in texts(await h.command("ann", "/settings dm off"))[0]
    h.runtime.members.prefs._cache.clear()  # read back from the database
    assert "time zone Europe/Berlin; DMs off" in texts(await h.command("ann", "/settings"))[0]
    ctx = h.runtime.cogs_of("acme")[1].ctx
    assert [f.setting for f in await ctx.facts((PreferenceChanged,))] == ["timezone", "dm"]  # type: ignore


async def test_an_unknown_zone_is_answered_with_close_matches(h: Harness) -> None:
    [answer] = texts(await h.command("ann", "/settings timezone Europe/Berln"))
    assert answer.startswith("Unknown time zone “Europe/Berln”. Did you mean Europe/Berlin")
    [answer] = texts(await h.command("ann", "/settings timezone Berlin"))
    assert "Europe/Berlin" in answer
    [answer] = texts(await h.command("ann", "/settings dm maybe"))
    assert answer == "/settings dm: write on or off."


async def test_a_dm_to_someone_with_dms_off_goes_to_the_channel_mentioning_only_them(h: Harness) -> None:
    [dm] = await h.command("ann", "/remind", channel="#help")
    assert isinstance(dm, SendDirect)  # DMs on: a DM, the time in the community's zone
    assert dm.content.plain() == "Meetup at Mon 5 Jan 2026, 17:30 GMT."
    await h.command("ann", "/settings dm off", channel="#help")
    await h.post("ann", "I'm here", channel="#help")
    out = [a for a in await h.command("ann", "/remind", channel="#general") if isinstance(a, SendMessage)]
    [msg] = out
    assert msg.channel.id == "help"  # where she last spoke
    assert msg.content.ping == (h.user("ann"),)
    assert isinstance(msg.content.segments[0], Mention) and msg.content.segments[0].target == h.user("ann")
    assert msg.content.plain() == "@ann Meetup at Mon 5 Jan 2026, 17:30 GMT."


async def test_a_dm_or_reply_shows_times_in_the_readers_own_zone(h: Harness) -> None:
    await h.command("ann", "/settings timezone Europe/Berlin")
    [dm] = await h.command("ann", "/remind")
    assert dm.content.plain() == "Meetup at Mon 5 Jan 2026, 18:30 CET."  # type: ignore[attr-defined]
    [other] = await h.command("bob", "/remind")
    assert other.content.plain() == "Meetup at Mon 5 Jan 2026, 17:30 GMT."  # type: ignore[attr-defined]


async def test_moment_in_the_members_zone() -> None:
    berlin = Moment(AT, tz=ZoneInfo("Europe/Berlin"))
    assert berlin.local_text() == "Mon 5 Jan 2026, 18:30 CET" and berlin.unix == 1767634200


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_find_zone_never_raises(name: str) -> None:
    found, close = find_zone(name)
    assert found is None or not close
    assert len(close) <= 3


@pytest.mark.pg
async def test_a_merge_keeps_the_preferences_someone_set(h: Harness) -> None:
    await h.command("ann", "/settings timezone Asia/Tokyo")
    members = h.runtime.members
    ann = await members.persons.get("acme", h.user("ann"))
    other = await members.persons.get("acme", UserRef("discord", "123456789012345678"))
    assert (await members.merge(ann, other)).ok
    assert (await members.prefs.get(other)).timezone == "Asia/Tokyo"  # the kept person had set none
    h.runtime.members.prefs._cache.clear()
    assert (await members.prefs.get(other)).timezone == "Asia/Tokyo"


@pytest.mark.pg
async def test_many_members_preferences_are_read_in_one_query_and_a_change_meanwhile_wins(h: Harness) -> None:
    import asyncio

    from bot.persons import PersonId

    prefs = h.runtime.members.prefs
    people = [await h.runtime.members.persons.get("acme", UserRef("memory", f"m{i}")) for i in range(30)]
    await prefs.set(people[0], timezone="Asia/Tokyo")
    prefs._cache.clear()  # a restart
    before = prefs._loader.queries
    read = asyncio.gather(*(prefs.get(p) for p in people))
    await asyncio.sleep(0)  # the read is under way when someone changes theirs
    await prefs.set(people[1], dms=False)
    found = await read
    assert prefs._loader.queries == before + 1
    assert found[0].timezone == "Asia/Tokyo" and found[2].timezone is None
    assert (await prefs.get(people[1])).dms is False  # the change is not undone by the older read
    assert (await prefs.get(PersonId(10**9))).timezone is None  # nobody: the defaults
