"""A DM the platform refuses (closed DMs) with a fallback channel: the outbox posts it there once, mentioning
only its recipient, when nobody awaits the answer; an awaiting caller gets ``dm_closed`` and decides itself."""

from __future__ import annotations

from bot.actions import ActionResult, SendDirect, SendMessage
from bot.content import UserText, fmt
from bot.policies import undelivered_instead
from bot.refs import ChannelRef, UserRef

BOB = UserRef("memory", "bob")
EVENTS = ChannelRef("memory", "events")


def test_only_a_closed_dm_with_a_fallback_channel_is_replaced() -> None:
    dm = SendDirect(user=BOB, content=fmt("Hi {name}", name=UserText("<@everyone>")), scope="acme", fallback=EVENTS)
    instead = undelivered_instead(ActionResult.failure(dm, "closed", "dm_closed"))
    assert isinstance(instead, SendMessage) and instead.channel == EVENTS
    assert instead.content.ping == (BOB,) and instead.content.plain() == "@bob Hi <@everyone>"
    assert undelivered_instead(ActionResult.failure(dm, "gone", "forbidden")) is None
    no_channel = SendDirect(user=BOB, content=fmt("Hi"), scope="acme")
    assert undelivered_instead(ActionResult.failure(no_channel, "closed", "dm_closed")) is None
    post = SendMessage(channel=EVENTS, content=fmt("Hi"))
    assert undelivered_instead(ActionResult.failure(post, "closed", "dm_closed")) is None
