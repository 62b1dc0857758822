"""Forms as modals, slow handlers deferred, duration autocomplete, selects, DMs."""

from __future__ import annotations

from bot.components import encode_custom_id
from tests.adapters.discord.conftest import Running
from tests.adapters.discord.fake_discord import wait_until


async def test_form_opens_as_a_modal_and_its_submit_reaches_the_handler(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    opened = await fake.slash(guild, "general", "alice", "feedback")
    [callback] = await fake.wait_for("POST", rf"/interactions/{opened['id']}/[^/]+/callback$")
    assert callback.json["type"] == 9
    modal = callback.json["data"]
    assert modal["custom_id"] == encode_custom_id("demo:feedback")
    assert [row["components"][0]["custom_id"] for row in modal["components"]] == ["topic", "body"]
    submitted = await fake.submit(guild, "general", "alice", modal["custom_id"], {"topic": "UI", "body": "Nice"})
    [answer] = await fake.wait_for("POST", rf"/interactions/{submitted['id']}/[^/]+/callback$")
    assert answer.json["data"]["content"] == "Thanks!"
    assert steward.cog().forms == [{"topic": "UI", "body": "Nice"}]


async def test_slow_handler_is_deferred_then_followed_up(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    invoked = await fake.slash(guild, "general", "alice", "slow")
    [callback] = await fake.wait_for("POST", rf"/interactions/{invoked['id']}/[^/]+/callback$")
    assert callback.json["type"] == 5  # "Steward is thinking…"
    [followup] = await fake.wait_for("POST", rf"/webhooks/{fake.app_id}/{invoked['token']}$")
    assert followup.json["content"] == "Finally."


async def test_duration_option_autocompletes(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    asked = await fake.slash(guild, "general", "mo", "mute", [
        {"name": "member", "type": 6, "value": str(steward.world.alice.id)},
        {"name": "duration", "type": 3, "value": "2", "focused": True}], kind=4)
    [callback] = await fake.wait_for("POST", rf"/interactions/{asked['id']}/[^/]+/callback$")
    assert callback.json["type"] == 8
    assert [c["value"] for c in callback.json["data"]["choices"]] == ["2m", "2h", "2d", "2w"]


async def test_foreign_component_ids_are_left_alone(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    await fake.press(guild, "general", "alice", "some-other-bot:button")
    ours = await fake.press(guild, "general", "alice", encode_custom_id("demo:nothing-here"), values=["1"])
    [callback] = await fake.wait_for("POST", rf"/interactions/{ours['id']}/[^/]+/callback$")
    assert "no longer active" in callback.json["data"]["content"]
    assert len(fake.find("POST", r"/callback$")) == 1


async def test_dm_is_scoped_to_the_configured_guild(steward: Running) -> None:
    fake, alice = steward.fake, steward.world.alice
    data = fake.message_payload(None, 1111111111111111111, alice, "hello badword")
    await fake.dispatch("MESSAGE_CREATE", data)
    cog = steward.cog()
    await wait_until(lambda: cog.hits, what="the DM to reach the cog")
    [hit] = cog.hits
    assert hit.is_dm and hit.scope == str(steward.guild.id)  # type: ignore[union-attr]
