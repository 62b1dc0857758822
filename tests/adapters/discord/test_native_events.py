"""The events cog's native Scheduled Events through the real discord.py against the fake Discord: the mirror is
created, edited and cancelled as Discord checks them, and "Interested" marked there counts as Maybe on the card
(GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE, which Discord sends only with the GUILD_SCHEDULED_EVENTS intent)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.runtime import Runtime
from steward.catalog import discover
from tests.adapters.discord.conftest import World, build_world, start_steward, write_config
from tests.adapters.discord.fake_discord import GUILD_SCHEDULED_EVENTS, Call, FakeDiscord, Guild, wait_until


def _config(tmp_path: Path, guild: Guild) -> Path:
    return write_config(tmp_path, guild, channels=', events: "#events"', body="    events: {native: true}\n")


@dataclass
class Events:
    world: World
    runtime: Runtime

    @property
    def fake(self) -> FakeDiscord:
        return self.world.fake

    @property
    def guild(self) -> Guild:
        return self.world.guild

    async def callback(self, interaction: dict[str, Any]) -> dict[str, Any]:
        [call] = await self.fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
        body: dict[str, Any] = call.json
        return body

    async def answer(self, interaction: dict[str, Any]) -> dict[str, Any]:
        """What the member finally sees: the callback's message, or the follow-up after a deferral."""
        body = await self.callback(interaction)
        if body["type"] in (4, 7):
            data: dict[str, Any] = body["data"]
            return data
        token = interaction["token"]
        followed: dict[str, Any] = await wait_until(lambda: next(
            (c.json for c in self.fake.calls if c.method in ("POST", "PATCH")
             and re.fullmatch(rf"/webhooks/\d+/{token}(/messages/@original)?", c.path)), None),
            what="the follow-up after the deferral")
        return followed

    def card_edits(self) -> list[str]:
        events = self.guild.channels["events"].id
        return [c.json["content"] for c in self.fake.find("PATCH", rf"/channels/{events}/messages/\d+$")]

    async def card_says(self, words: str) -> str:
        """The card's latest edit, once it says ``words`` (an older edit saying them does not count:
        edits close together are folded, and the newest is what members see)."""
        def latest() -> str | None:
            edits = self.card_edits()
            return edits[-1] if edits and words in edits[-1] else None
        found: str = await wait_until(latest, what=f"the card's latest edit saying {words!r}; got {self.card_edits()}")
        return found

    async def create(self, title: str = "Game night") -> dict[str, Any]:
        """/event create → the modal → Create it, as the moderator does on Discord; the native event made."""
        opened = await self.fake.slash(self.guild, "general", "mo", "event",
                                       [{"name": "action", "type": 3, "value": "create"}])
        modal = (await self.callback(opened))["data"]
        submitted = await self.fake.submit(self.guild, "general", "mo", modal["custom_id"], {
            "title": title, "start": "tomorrow 18:00", "length": "2h", "place": "Room 4", "details": ""})
        echoed = await self.answer(submitted)
        create_it = next(c["custom_id"] for row in echoed["components"] for c in row["components"]
                         if c["label"] == "Create it")
        pressed = await self.fake.press(self.guild, "general", "mo", create_it)
        await self.callback(pressed)
        [made] = await self.fake.wait_for("POST", rf"/guilds/{self.guild.id}/scheduled-events$")
        assert made.json["entity_type"] == 3 and made.json["entity_metadata"] == {"location": "Room 4"}
        return next(iter(self.guild.scheduled_events.values()))


@pytest.fixture
async def events(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Events]:
    world = build_world(fake)
    world.guild.channel("events")
    for name in ("erin", "frank"):
        world.guild.member(name, "Members")
    runtime = await start_steward(_config(tmp_path, world.guild), discover())
    fake.mark()
    yield Events(world, runtime)
    await runtime.stop()


async def test_interest_on_the_native_event_counts_as_maybe_and_taking_it_back_undoes_it(events: Events) -> None:
    assert all(int(i["intents"]) & GUILD_SCHEDULED_EVENTS for i in events.fake.identifies)  # asked at start-up
    native = await events.create()
    await wait_until(lambda: events.card_edits() or events.fake.find("POST", r"/channels/\d+/messages$"),
                     what="the card")
    await events.fake.interest(events.guild, int(native["id"]), "erin")
    assert "Going 0 · Maybe 1 · Can't go 0" in await events.card_says("Maybe 1")
    await events.fake.interest(events.guild, int(native["id"]), "frank")
    await events.card_says("Maybe 2")
    await events.fake.interest(events.guild, int(native["id"]), "erin", interested=False)
    assert "Going 0 · Maybe 1 · Can't go 0" in await events.card_says("Maybe 1")
    assert native["user_count"] == 1  # Discord's own count, beside ours


async def test_the_mirror_follows_an_edit_and_a_cancel_and_a_cancelled_event_takes_no_interest(
        events: Events) -> None:
    native = await events.create()
    edit = await events.fake.slash(events.guild, "general", "mo", "event",
                                   [{"name": "action", "type": 3, "value": "edit"},
                                    {"name": "args", "type": 3, "value": "1"}])
    modal = (await events.callback(edit))["data"]
    await events.fake.submit(events.guild, "general", "mo", modal["custom_id"], {"title": "Quiz night"})
    patches: list[Call] = await events.fake.wait_for("PATCH", rf"/guilds/{events.guild.id}/scheduled-events/\d+$")
    assert native["name"] == "Quiz night" and patches[0].path.endswith(native["id"])
    cancel = await events.fake.slash(events.guild, "general", "mo", "event",
                                     [{"name": "action", "type": 3, "value": "cancel"},
                                      {"name": "args", "type": 3, "value": "1"}])
    await events.callback(cancel)
    await wait_until(lambda: native["status"] == 4, what=f"the native event cancelled; it is {native}")
    with pytest.raises(AssertionError, match="no Interested button"):  # Discord offers no interest any more
        await events.fake.interest(events.guild, int(native["id"]), "erin")
