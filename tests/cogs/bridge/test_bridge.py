"""Bridged channels: relays both ways, no pings, edits and deletes followed, no loops, moderation first."""

from __future__ import annotations

import pytest

from bot.actions import DeleteMessage, EditMessage
from bot.content import UserText
from bot.events import Attachment, MessagePosted
from bot.refs import UserRef
from bot.testing import Harness, texts
from tests.cogs.bridge.conftest import delete, last_out, posted, sent_to


@pytest.mark.pg
async def test_a_message_crosses_both_ways_with_its_authors_name(h: Harness) -> None:
    [copy] = sent_to(await h.post("alice", "hello from discord", "#lounge", platform="discord"),
                     "slack", "lounge-slack")
    assert copy.content.plain() == "alice on discord: hello from discord"
    [back] = sent_to(await h.post("bob", "hi alice", "#lounge-slack", platform="slack"), "discord", "lounge")
    assert back.content.plain() == "bob on slack: hi alice"
    assert sent_to(await h.post("carol", "not bridged", "#general", platform="discord"), "slack", "general") == []


@pytest.mark.pg
async def test_mentions_are_user_text_and_ping_nobody(h: Harness) -> None:
    [copy] = sent_to(await h.post("mallory", "@everyone <!channel> <@U0ADMIN> **now**", "#lounge-slack",
                                  platform="slack"), "discord", "lounge")
    assert copy.content.ping == ()
    assert UserText("@everyone <!channel> <@U0ADMIN> **now**") in copy.content.segments


@pytest.mark.pg
async def test_steward_and_other_bots_are_never_relayed_so_nothing_loops(h: Harness) -> None:
    [copy] = sent_to(await h.post("alice", "one", "#lounge", platform="discord"), "slack", "lounge-slack")
    echo = MessagePosted(**h._base("slack"), message=last_out(h, "slack"), author=UserRef("slack", "steward"),
                         author_name="steward", text=copy.content.plain(), channel_name="#lounge-slack")
    assert sent_to(await h.send(echo), "discord", "lounge") == []
    other_bot = await h.post("ci-bot", "build passed", "#lounge", platform="discord", is_bot=True)
    assert sent_to(other_bot, "slack", "lounge-slack") == []


@pytest.mark.pg
async def test_a_message_moderation_deletes_is_never_relayed(h: Harness) -> None:
    done = await h.post("spammer", "best casino here", "#lounge-slack", platform="slack")
    assert any(isinstance(a, DeleteMessage) for a in done)
    assert sent_to(done, "discord", "lounge") == []


@pytest.mark.pg
async def test_edits_and_deletes_follow_the_copy(h: Harness) -> None:
    await h.post("alice", "meet at 5", "#lounge", platform="discord")
    source, copy = posted(h, "discord"), last_out(h, "slack")
    edits = [a for a in await h.edit("alice", source, "meet at 6") if isinstance(a, EditMessage)]
    assert [(e.message, e.content.plain()) for e in edits] == [(copy, "alice on discord: meet at 6")]
    gone = [a for a in await delete(h, source) if isinstance(a, DeleteMessage)]
    assert [d.message for d in gone] == [copy]
    assert copy not in h.adapters["slack"].messages
    assert [a for a in await delete(h, source) if isinstance(a, DeleteMessage)] == []  # nothing left to do


@pytest.mark.pg
async def test_a_rate_limited_target_gets_every_copy_in_order_and_none_of_a_deleted_one(h: Harness) -> None:
    h.runtime.effects.outbox.pacers["slack"].hold("any", 120, everything=True)  # Slack answers 429 for 2 minutes
    for text in ("first", "second", "third"):
        assert sent_to(await h.post("alice", text, "#lounge", platform="discord"), "slack", "lounge-slack") == []
    second = [m for m in h.adapters["discord"].messages if m.id.startswith("msg")][1]
    await delete(h, second)  # deleted while its copy waits: the copy is withdrawn, never posted
    later = await h.advance(minutes=3)
    assert [a.content.plain() for a in sent_to(later, "slack", "lounge-slack")] == [
        "alice on discord: first", "alice on discord: third"]
    assert not any("withdrawn" in t for t in texts(later))  # a decision, not a loss for the mod log


@pytest.mark.pg
async def test_a_long_message_is_split_in_order_and_says_so(h: Harness) -> None:
    text = " ".join(f"word{i}" for i in range(120))  # ~840 characters, over slack's 300 here
    parts = sent_to(await h.post("alice", text, "#lounge", platform="discord"), "slack", "lounge-slack")
    assert len(parts) >= 3
    assert all(p.content.plain().startswith(f"alice on discord ({i + 1}/{len(parts)}): ") for i, p in enumerate(parts))
    joined = "".join(p.content.plain().split(": ", 1)[1] for p in parts)
    assert joined == text
    assert all(len(p.content.plain()) <= 300 for p in parts)


@pytest.mark.pg
async def test_attachments_cross_as_links(h: Harness) -> None:
    files = (Attachment("plan.pdf", "application/pdf", 1200, "https://cdn.example/plan.pdf"),)
    [copy] = sent_to(await h.post("alice", "the plan", "#lounge", platform="discord", attachments=files),
                     "slack", "lounge-slack")
    assert copy.content.plain() == "alice on discord: the plan\n[file] plan.pdf https://cdn.example/plan.pdf"
