"""Onboarding on Discord: the real discord.py against the fake server, Steward built as `steward run` builds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cogs.onboarding import COG
from tests.adapters.discord.conftest import Running, build_world, catalog_with, start_steward, write_config
from tests.adapters.discord.fake_discord import Call, FakeDiscord, wait_until
from tests.cogs.onboarding.conftest import FLOW

ROLES = ("Newcomers", "Greeters", "Python", "Rust")
CHANNELS = ("rules", "introductions", "events", "staff")


@pytest.fixture
async def steward(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Running]:
    world = build_world(fake)
    for i, role in enumerate(ROLES):
        world.guild.role(role, 2 + i % 2)
    for channel in CHANNELS:
        world.guild.channel(channel)
    path = write_config(
        tmp_path, world.guild,
        roles=", member: [Members], newcomer: [Newcomers], greeter: [Greeters], interests: [Python, Rust]",
        channels=', welcome: "#welcome", rules: "#rules", introductions: "#introductions", events: "#events", '
                 'staff: "#staff"',
        body=FLOW.format(rejoin="resume", above=10, extra=""))
    runtime = await start_steward(path, catalog_with(COG))
    fake.mark()
    yield Running(world, runtime)
    await runtime.stop()


def buttons(call: Call) -> dict[str, str]:
    """Label -> custom id of a recorded message's buttons."""
    rows: list[dict[str, Any]] = call.json.get("components", [])
    return {c["label"]: c["custom_id"] for row in rows for c in row["components"] if "label" in c}


async def test_the_flow_on_discord(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    dana = await fake.member_join(guild, "dana")
    welcome, staff = guild.channels["welcome"].id, guild.channels["staff"].id
    [post] = await fake.wait_for("POST", rf"/channels/{welcome}/messages$")
    assert f"<@{dana.id}>" in post.json["content"] and post.json["allowed_mentions"]["users"] == []
    [greet] = await fake.wait_for("POST", rf"/channels/{staff}/messages$")
    assert "Say hi" in buttons(greet)
    newcomer_role = guild.roles["Newcomers"].id
    await fake.wait_for("PUT", rf"/guilds/{guild.id}/members/{dana.id}/roles/{newcomer_role}$")
    dm = await wait_until(lambda: fake.dm_channels.get(dana.id), what="the DM channel")
    cards = await fake.wait_for("POST", rf"/channels/{dm}/messages$", count=2)
    assert "Be kind." in cards[1].json["content"]
    await fake.dm_press(dana, buttons(cards[1])["I agree"])
    members_role = guild.roles["Members"].id
    await fake.wait_for("PUT", rf"/guilds/{guild.id}/members/{dana.id}/roles/{members_role}$")
    await fake.wait_for("DELETE", rf"/guilds/{guild.id}/members/{dana.id}/roles/{newcomer_role}$")
    question = await fake.wait_for("POST", rf"/channels/{dm}/messages$", count=3)
    assert "What are you here for?" in question[2].json["content"]
    picked = await fake.dm_press(dana, buttons(question[2])["Python"])
    await fake.wait_for("POST", rf"/interactions/{picked['id']}/[^/]+/callback$")
    await fake.dm_press(dana, buttons(question[2])["Done"])
    python = guild.roles["Python"].id
    await fake.wait_for("PUT", rf"/guilds/{guild.id}/members/{dana.id}/roles/{python}$")
    # a press by someone else on a channel copy of the card is refused privately
    other = await fake.press(guild, "welcome", "alice", buttons(question[2])["Rust"])
    [answer] = await fake.wait_for("POST", rf"/interactions/{other['id']}/[^/]+/callback$")
    assert answer.json["data"]["content"] == "This one is not yours: it belongs to another member's welcome."
    assert answer.json["data"]["flags"] & 64
