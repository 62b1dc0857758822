"""A poll on Discord: the real discord.py against the fake server, Steward built as `steward run` builds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cogs.engagement import COG
from tests.adapters.discord.conftest import Running, build_world, catalog_with, start_steward, write_config
from tests.adapters.discord.fake_discord import Call, FakeDiscord, wait_until


@pytest.fixture
async def steward(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Running]:
    world = build_world(fake)
    path = write_config(tmp_path, world.guild, body="    engagement: {}\n")
    runtime = await start_steward(path, catalog_with(COG))
    fake.mark()
    yield Running(world, runtime)
    await runtime.stop()


def buttons(body: dict[str, Any]) -> dict[str, str]:
    """Label -> custom id of a message body's buttons."""
    return {c["label"]: c["custom_id"] for row in body.get("components", []) for c in row["components"]
            if "label" in c}


async def answer(fake: FakeDiscord, interaction: dict[str, Any]) -> str:
    """What Steward told the member who pressed or typed (the private interaction answer)."""
    [callback] = await fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
    if callback.json["type"] == 4:
        assert callback.json["data"]["flags"] & 64  # only the member sees it
        return str(callback.json["data"]["content"])
    [edit] = await fake.wait_for("PATCH", rf"/webhooks/\d+/{interaction['token']}/messages/@original$")
    return str(edit.json["content"])


async def test_a_poll_with_buttons_a_moved_vote_counted_once_and_the_result(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = guild.channels["general"].id
    asked = await fake.slash(guild, "general", "mo", "poll",
                             [{"name": "what", "type": 3, "value": '"Pizza or sushi?" Pizza Sushi'}])
    assert "Poll #1 is up" in await answer(fake, asked)
    [card] = await fake.wait_for("POST", rf"/channels/{general}/messages$")
    assert card.json["content"].startswith("📊 Poll #1: Pizza or sushi?")
    assert card.json["allowed_mentions"]["users"] == [] and card.json["allowed_mentions"]["roles"] == []
    ids = buttons(card.json)
    assert list(ids) == ["Pizza", "Sushi"]
    card_id = int(card.answer["id"])

    def card_edits() -> list[Call]:
        return fake.find("PATCH", rf"/channels/{general}/messages/{card_id}$")

    pressed = await fake.press(guild, "general", "alice", ids["Pizza"], message_id=card_id)
    assert await answer(fake, pressed) == "You voted for “Pizza” (press another option to change it)."
    pressed = await fake.press(guild, "general", "sam", ids["Pizza"], message_id=card_id)
    assert await answer(fake, pressed) == "You voted for “Pizza” (press another option to change it)."
    pressed = await fake.press(guild, "general", "alice", ids["Sushi"], message_id=card_id)
    assert await answer(fake, pressed) == "Your vote moved from “Pizza” to “Sushi”."
    await wait_until(lambda: card_edits() and "Sushi — 1" in card_edits()[-1].json["content"],
                     what="the card showing the moved vote")
    shown = card_edits()[-1].json["content"]
    assert "Pizza — 1 ·" in shown and "Sushi — 1 ·" in shown and "2 voter(s)" in shown  # alice counted once
    assert buttons(card_edits()[-1].json) == ids  # still open: the buttons stay
    closed = await fake.slash(guild, "general", "mo", "poll", [{"name": "what", "type": 3, "value": "close 1"}])
    assert await answer(fake, closed) == "Poll #1 is closed; the results are posted."
    [_, result] = await fake.wait_for("POST", rf"/channels/{general}/messages$", count=2)
    assert result.json["content"].startswith("🏁 Poll #1 closed: Pizza or sushi?")
    assert "A tie between Pizza and Sushi, 1 vote(s) each." in result.json["content"]
    assert int(result.json["message_reference"]["message_id"]) == card_id  # under the card
    final = await wait_until(lambda: [c for c in card_edits() if "closed" in c.json["content"]],
                             what="the final card")
    assert not final[-1].json.get("components")  # no buttons once closed
    assert len(fake.find("POST", rf"/channels/{general}/messages$")) == 2  # the card was never reposted
    late = await fake.press(guild, "general", "alice", ids["Pizza"], message_id=card_id)
    assert "votes are no longer counted" in await answer(fake, late)
