"""One event on Discord and Slack at once: a card on each, one capacity, one waitlist, both cards edited."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence

import pytest

from bot.actions import Action, EditMessage, SendDirect, SendMessage
from bot.config import ConfigError, load_config_text
from bot.testing import Harness, texts
from cogs.events import COG
from cogs.events.settings import EventsSettings
from cogs.identity import COG as IDENTITY
from tests.cogs.events.conftest import MONDAY_NOON, button, replies

CONFIG = """
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general", events: {discord: "#events", slack: "#meetups"}}
    commands: {per_member: 100, window: 10s}
    identity: {}
    events: {channel: events}
"""


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"events": COG, "identity": IDENTITY},
                                  platforms=("discord", "slack"), now=MONDAY_NOON)
    harness.add_member("mod", "Moderators", platform="discord")
    yield harness
    await harness.close()


def cards(actions: Sequence[Action]) -> dict[str, SendMessage]:
    return {a.channel.platform: a for a in actions if isinstance(a, SendMessage) and a.content.buttons}


def card_edits(actions: Sequence[Action]) -> dict[tuple[str, str], str]:
    """The card edits by (platform, message id): each one edits a card in place."""
    return {(a.message.platform, a.message.id): a.content.plain() for a in actions if isinstance(a, EditMessage)}


async def create(h: Harness) -> list[Action]:
    await h.command("mod", "/event create", platform="discord")
    echoed = await h.submit("mod", "events:create", {"title": "Game night", "start": "tomorrow 18:00",
                                                    "length": "2h", "place": "", "details": "capacity 2"},
                            platform="discord")
    return await h.press("mod", button(echoed, "Create it"), platform="discord")


@pytest.mark.pg
async def test_rsvps_from_both_platforms_fill_one_capacity_and_one_waitlist(h: Harness) -> None:
    created = await create(h)
    posted = cards(created)
    assert {p: c.channel.id for p, c in posted.items()} == {"discord": "events", "slack": "meetups"}
    assert replies(created) == ["Event #1 is posted in #events on discord and #meetups on slack."]
    going = posted["slack"].content.buttons[0]
    cant = posted["slack"].content.buttons[2]

    bob = await h.press("bob", going, platform="discord")
    assert replies(bob) == ["You're going — Game night."]
    edited = card_edits(bob)
    assert {p for p, _m in edited} == {"discord", "slack"}  # both cards, edited where they are
    assert all("Going 1 · Maybe 0 · Can't go 0 · 1 seat(s) left" in t for t in edited.values())

    assert replies(await h.press("carol", going, platform="slack")) == ["You're going — Game night."]
    dave = await h.press("dave", going, platform="slack")
    assert replies(dave) == ["The event is full: you're on the waitlist, number 1 — Game night."]
    erin = await h.press("erin", going, platform="discord")
    assert replies(erin) == ["The event is full: you're on the waitlist, number 2 — Game night."]
    assert all("2 waiting · 0 seat(s) left" in t for t in card_edits(erin).values())
    assert card_edits(erin).keys() == edited.keys()  # the same two messages every time, never reposted
    assert not cards(erin)

    freed = await h.press("bob", cant, platform="discord")  # a Discord seat goes to Slack's head of the line
    [dm] = [a for a in freed if isinstance(a, SendDirect)]
    assert (dm.user.platform, dm.user.id) == ("slack", "dave")
    assert dm.content.plain().startswith("A seat freed up: you're now going to event #1 (Game night)")
    assert all("Going 2 · Maybe 0 · Can't go 1 · 1 waiting · 0 seat(s) left" in t
               for t in card_edits(freed).values())
    left = await h.press("carol", cant, platform="slack")  # and a Slack seat goes to Discord's
    [dm] = [a for a in left if isinstance(a, SendDirect)]
    assert (dm.user.platform, dm.user.id) == ("discord", "erin")


@pytest.mark.pg
async def test_a_linked_member_holds_one_seat_whichever_card_they_press(h: Harness) -> None:
    posted = cards(await create(h))
    [answer] = texts(await h.command("bob", "/link", platform="discord"))
    code = re.search(r"code is ([A-Z0-9]{3}-[A-Z0-9]{3})", answer)
    assert code, answer
    await h.command("bob", f"/link {code.group(1)}", platform="slack")
    await h.press("bob", posted["discord"].content.buttons[0], platform="discord")
    again = await h.press("bob", posted["slack"].content.buttons[0], platform="slack")
    assert replies(again) == ["You're going already; nothing changed."]
    carol = await h.press("carol", posted["slack"].content.buttons[0], platform="slack")
    assert replies(carol) == ["You're going — Game night."]  # bob took one seat of two, not both


def test_the_events_channel_is_a_name_or_a_key_of_channels() -> None:
    base = CONFIG.replace("    identity: {}\n", "")
    load_config_text(base, cogs={"events": EventsSettings}, env={})
    load_config_text(base.replace("{channel: events}", '{channel: "#general"}'), cogs={"events": EventsSettings},
                     env={})
    with pytest.raises(ConfigError) as unknown:
        load_config_text(base.replace("{channel: events}", "{channel: meetups}"), cogs={"events": EventsSettings},
                         env={})
    assert "unknown channel key `meetups`" in str(unknown.value)
    with pytest.raises(ConfigError) as undeclared:
        load_config_text(base.replace("{channel: events}", '{channel: "#lounge"}'), cogs={"events": EventsSettings},
                         env={})
    assert "unknown channel `#lounge`" in str(undeclared.value)
