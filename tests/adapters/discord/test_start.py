"""Start-up: connect, publish commands once, self-check intents, guilds and permissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.capabilities import Capability
from bot.errors import StartupError
from tests.adapters.discord.conftest import Running, build_world, start_steward, write_config
from tests.adapters.discord.fake_discord import FakeDiscord


async def test_starts_and_publishes_typed_slash_commands(steward: Running) -> None:
    [put] = steward.fake.find("PUT", rf"/applications/{steward.fake.app_id}/guilds/{steward.guild.id}/commands$")
    by_name = {c["name"]: c for c in put.json}
    warn = by_name["warn"]
    assert [(o["name"], o["type"], o["required"]) for o in warn["options"]] == [
        ("member", 6, True), ("reason", 3, False)]
    mute = by_name["mute"]
    assert mute["options"][1] == {**mute["options"][1], "type": 3, "autocomplete": True}
    assert "help" in by_name  # the core's own commands too
    identify = steward.fake.identifies[0]
    assert identify["intents"] & (1 << 15) and identify["intents"] & (1 << 1)  # message content + members



async def test_missing_message_content_intent_is_a_clear_startup_error(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.granted = {"members"}
    world = build_world(fake)
    with pytest.raises(StartupError) as err:
        await start_steward(write_config(tmp_path, world.guild))
    message = str(err.value)
    assert "Message Content Intent" in message and "Server Members Intent" not in message
    assert f"https://discord.com/developers/applications/{fake.app_id}/bot" in message
    assert "moderation" in message


async def test_message_content_off_refuses_a_cog_that_must_read_messages(fake: FakeDiscord, tmp_path: Path) -> None:
    from tests.adapters.discord.conftest import catalog_with
    from tests.adapters.discord.democog import DemoCog

    class Reader(DemoCog):
        name = "reader"
        requires = frozenset({Capability.READ_MESSAGES})

    world = build_world(fake)
    path = write_config(tmp_path, world.guild, discord_extra=", message_content: false", section="reader")
    with pytest.raises(StartupError, match="refuses to run them blind") as err:
        await start_steward(path, catalog_with(Reader))
    assert "community acme turns reader on, which needs read_messages on discord" in str(err.value)
    assert fake.identifies == []  # refused before connecting
    runtime = await start_steward(write_config(tmp_path, world.guild, discord_extra=", message_content: false"))
    try:  # a cog that reads no text runs without the intent: the adapter knows no cog by name
        assert Capability.READ_MESSAGES not in runtime.adapters["discord"].capabilities
    finally:
        await runtime.stop()


async def test_missing_permissions_are_reported_with_the_features_they_disable(
        fake: FakeDiscord, tmp_path: Path) -> None:
    from tests.adapters.discord.conftest import STEWARD_PERMS

    world = build_world(fake, steward_perms=tuple(p for p in STEWARD_PERMS if p != "manage_messages"))
    runtime = await start_steward(write_config(tmp_path, world.guild))
    try:
        report = runtime.adapters["discord"].report  # type: ignore[attr-defined]
        assert len(report) == 1 and "Manage Messages" in report[0] and "deleting rule-breaking messages" in report[0]
        assert "Acme" in report[0]
    finally:
        await runtime.stop()


async def test_unknown_channel_name_names_the_guild_and_the_name(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)
    with pytest.raises(StartupError) as err:
        await start_steward(write_config(tmp_path, world.guild, channels=', staff: "#staff"'))
    assert f"discord {world.guild.id}" in str(err.value) and "#staff" in str(err.value)


async def test_guild_steward_is_not_in_is_a_startup_error(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)
    del fake.guilds[world.guild.id]
    with pytest.raises(StartupError, match=rf"not in the Discord server {world.guild.id}.*oauth2/authorize"):
        await start_steward(write_config(tmp_path, world.guild))


async def test_commands_are_republished_only_when_they_change(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)
    path = write_config(tmp_path, world.guild)
    for _ in range(2):
        runtime = await start_steward(path)
        ids = runtime.adapters["discord"].state.command_ids[str(world.guild.id)]  # type: ignore[attr-defined]
        await runtime.stop()
        # published or not, Steward knows each command's id (for clickable mentions)
        assert ids == {c["name"]: c["id"] for c in fake.commands[world.guild.id]} and "help" in ids
    assert len(fake.find("PUT", r"/commands$")) == 1


async def test_no_token_means_discord_is_not_started(fake: FakeDiscord, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from steward.app import build_adapters, load
    from tests.adapters.discord.conftest import catalog_with
    from tests.adapters.discord.democog import DemoCog

    monkeypatch.delenv("DISCORD_TOKEN")
    world = build_world(fake)
    catalog = catalog_with(DemoCog)
    adapters, console, _clock = build_adapters(load(write_config(tmp_path, world.guild), catalog), catalog)
    assert console is not None and [a.platform for a in adapters] == ["console"]


@pytest.mark.parametrize(("shards", "count"), [("auto", 1), (2, 2)])
async def test_sharded_client_connects_every_shard(fake: FakeDiscord, tmp_path: Path, shards: object,
                                                   count: int) -> None:
    # discord.py waits 5 s between two shards' IDENTIFY (Discord's limit), hence one 2-shard case only.
    fake.shard_count = count
    world = build_world(fake)
    runtime = await start_steward(write_config(tmp_path, world.guild, discord_extra=f", shards: {shards}"))
    try:
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(i, count) for i in range(count)]
        assert await runtime.adapters["discord"].member(str(world.guild.id), _user(world.alice.id)) is not None
    finally:
        await runtime.stop()


def _user(user_id: int):  # type: ignore[no-untyped-def]
    from bot.refs import UserRef

    return UserRef("discord", str(user_id))


async def test_token_without_any_discord_community_is_a_startup_error(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)
    path = write_config(tmp_path, world.guild)
    path.write_text(path.read_text().replace(f'discord: {{guild: "{world.guild.id}"}}', ""))
    with pytest.raises(StartupError, match="no community names its Discord server"):
        await start_steward(path)


async def test_start_up_says_what_the_scheduled_events_intent_and_members_off_mean(
        fake: FakeDiscord, tmp_path: Path) -> None:
    from tests.adapters.discord.fake_discord import GUILD_SCHEDULED_EVENTS

    world = build_world(fake)
    runtime = await start_steward(write_config(tmp_path, world.guild, discord_extra=", members: false"))
    try:
        [identify] = fake.identifies
        assert int(identify["intents"]) & GUILD_SCHEDULED_EVENTS  # interest in Scheduled Events arrives with it
        report = runtime.adapters["discord"].report  # type: ignore[attr-defined]
        assert any("native Scheduled Event counts as Maybe only for members Steward has already seen" in line
                   for line in report)
    finally:
        await runtime.stop()
