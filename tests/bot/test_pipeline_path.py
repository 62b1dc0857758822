"""The message path's short cuts decide as the plain way did: de-duplication, the community stamp,
and later handlers kept off a message an earlier one deleted."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.actions import Action, DeleteMessage
from bot.cog import Cog, on
from bot.events import MessageEdited, MessagePosted, with_community
from bot.middleware import Dedupe, Dispatch
from bot.refs import MessageRef, UserRef
from bot.testing import Harness


def _event(event_id: str, community: str | None = None) -> MessagePosted:
    return MessagePosted(platform="memory", scope="s", event_id=event_id, occurred_at=datetime(2026, 1, 5, tzinfo=UTC),
                         message=MessageRef("memory", "general", event_id), author=UserRef("memory", "alice"),
                         author_name="alice", text="hi", community=community)


@given(st.lists(st.integers(0, 12), max_size=80), st.integers(1, 6))
def test_dedupe_passes_what_the_last_size_events_did_not_hold(ids: list[int], size: int) -> None:
    dedupe = Dedupe(size)
    passed: list[int] = []
    reference: OrderedDict[int, None] = OrderedDict()  # the ordered dict it used to be
    expected: list[int] = []

    async def nxt(d: Dispatch) -> None:
        passed.append(int(d.event.event_id))

    for i in ids:
        coro = dedupe(Dispatch(_event(str(i))), nxt)
        with pytest.raises(StopIteration):
            coro.send(None)
        if i not in reference:
            expected.append(i)
            reference[i] = None
            if len(reference) > size:
                reference.popitem(last=False)
    assert passed == expected


def test_the_community_is_stamped_once_and_another_community_gets_a_copy() -> None:
    event = _event("e1")
    assert with_community(event, "acme") is event and event.community == "acme"
    other = with_community(event, "beta")
    assert other is not event and other.community == "beta" and event.community == "acme"
    assert other == _event("e1", "beta")


class Deleter(Cog):
    name = "deleter"

    @on(MessagePosted, MessageEdited, priority=-10)
    async def judge(self, event: MessagePosted | MessageEdited) -> list[Action]:
        if event.text == "return":  # returned: performed after every handler, but later ones must not see it
            return [DeleteMessage(message=event.message, reason="test")]
        if event.text == "perform":  # performed at once, as an interactive flow does
            await self.ctx.perform(DeleteMessage(message=event.message, reason="test"))
        return []


class Reader(Cog):
    name = "reader"

    def __init__(self, ctx: object) -> None:
        super().__init__(ctx)  # type: ignore[arg-type]
        self.read: list[str] = []

    @on(MessagePosted, MessageEdited)
    async def note(self, event: MessagePosted | MessageEdited) -> None:
        assert event.community == "acme"
        self.read.append(event.text)


CONFIG = """
communities:
  - name: acme
    channels: {modlog: "#mod-log"}
    deleter: {}
    reader: {}
"""


async def test_a_deleted_message_reaches_no_later_handler(db_url: str) -> None:
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"deleter": Deleter, "reader": Reader})
    try:
        reader = next(c for c in h.runtime.cogs_of("acme") if isinstance(c, Reader))
        await h.post("alice", "hello")
        await h.post("alice", "return")
        await h.post("alice", "perform")
        gone = next(a.message for a in h.performed if isinstance(a, DeleteMessage))
        await h.post("alice", "still here")
        await h.edit("alice", gone, "edited after its deletion")  # deleted by Steward before: not conversation
        kept = MessageRef("memory", "general", "kept")
        await h.edit("alice", kept, "an edit of a message that is there")
        assert reader.read == ["hello", "still here", "an edit of a message that is there"]
    finally:
        await h.close()


async def test_channel_look_ups_answer_as_the_scans_they_replace(db_url: str) -> None:
    config = CONFIG.replace('channels: {modlog: "#mod-log"}',
                            'channels: {modlog: "#mod-log", staff: "#mod-log", general: "#general"}')
    h = await Harness.start(config, db_url=db_url, cogs={"deleter": Deleter, "reader": Reader})
    try:
        community = h.runtime.communities["acme"]
        refs = [*community.channels.values(), MessageRef("memory", "elsewhere", "m1").channel,
                MessageRef("other", "general", "m2").channel]
        for ref in refs:
            scanned = next((n for (p, n), r in community.channels.items() if r == ref and p == ref.platform), None)
            assert community.channel_name(ref) == scanned
            assert community.purposes_of(ref) == [p for p in community.config.channels
                                                  if community.channel(p, ref.platform) == ref]
        assert community.purposes_of(community.channels[("memory", "#mod-log")]) == ["modlog", "staff"]
        message = MessageRef("memory", "general", "m3")
        assert message.channel == message.channel and message.channel.id == "general"
    finally:
        await h.close()
