"""Forms as modals, slow handlers deferred, duration autocomplete, selects, DMs."""

from __future__ import annotations

import pytest

from bot.actions import Reply
from bot.components import encode_custom_id
from bot.content import text
from bot.events import Origin
from bot.refs import ChannelRef, UserRef
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


async def test_a_modal_over_its_limits_is_answered_per_field_and_never_reaches_the_handler(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    custom_id = encode_custom_id("demo:feedback")  # a client that ignores the modal's own limits
    submitted = await fake.submit(guild, "general", "alice", custom_id, {"topic": "x" * 41, "body": " "})
    [answer] = await fake.wait_for("POST", rf"/interactions/{submitted['id']}/[^/]+/callback$")
    assert answer.json["data"]["content"] == (
        "Your form wasn't sent — please fix:\n  • Topic is too long (41 > 40 characters).\n"
        "  • Tell us more is required.\nWhat you wrote, to copy:\n  Topic: " + "x" * 41)
    assert answer.json["data"]["flags"] == 64  # only the member sees it
    assert steward.cog().forms == []


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


async def test_follow_up_after_the_token_expired_goes_to_the_channel_and_says_so(
        steward: Running, caplog: pytest.LogCaptureFixture) -> None:
    fake, guild = steward.fake, steward.guild
    # Discord forgets an interaction's token after 15 minutes: the follow-up webhook answers 404.
    fake.fail("POST", r"/webhooks/\d+/tok-", status=404, code=10015, message="Unknown Webhook")
    invoked = await fake.slash(guild, "general", "alice", "slow")
    general = guild.channels["general"].id
    [post] = await fake.wait_for("POST", rf"/channels/{general}/messages$")
    assert post.json["content"] == "Finally."
    assert any("token expired" in r.getMessage() and str(general) in r.getMessage() for r in caplog.records)
    assert fake.find("POST", rf"/interactions/{invoked['id']}/")  # it had been deferred in time


async def test_private_reply_with_an_expired_token_goes_by_dm_never_into_the_channel(
        steward: Running, caplog: pytest.LogCaptureFixture) -> None:
    fake, guild, alice = steward.fake, steward.guild, steward.world.alice
    fake.fail("POST", r"/webhooks/\d+/tok-", status=404, code=10015, message="Unknown Webhook")
    general = guild.channels["general"].id
    origin = Origin(platform="discord", scope=str(guild.id), user=UserRef("discord", str(alice.id)),
                    channel=ChannelRef("discord", str(general)), token="tok-from-an-hour-ago")
    reply = Reply(origin=origin, content=text("Only for you"), ephemeral=True)
    refused = await steward.adapter.perform(reply)  # the adapter only reports; the core decides what happens
    assert (refused.ok, refused.code) == (False, "ephemeral_unavailable")
    result = await steward.runtime.gate.perform(reply, steward.runtime.communities["acme"])
    assert result.ok and result.action is reply and result.message is not None, result
    dm = fake.dm_channels[alice.id]
    [post] = fake.find("POST", rf"/channels/{dm}/messages$")
    assert post.json["content"] == "Only for you"
    assert fake.find("POST", rf"/channels/{general}/messages$") == []
    assert any("token expired" in r.getMessage() for r in caplog.records)
    assert any("ephemeral_unavailable, so SendDirect instead" in r.getMessage() for r in caplog.records)


async def test_private_reply_to_an_interaction_no_longer_in_memory_follows_up_by_token(steward: Running) -> None:
    fake, guild, alice = steward.fake, steward.guild, steward.world.alice
    origin = Origin(platform="discord", scope=str(guild.id), user=UserRef("discord", str(alice.id)),
                    channel=ChannelRef("discord", str(guild.channels["general"].id)), token="tok-before-a-restart")
    result = await steward.adapter.perform(Reply(origin=origin, content=text("Still yours"), ephemeral=True))
    assert result.ok, result  # discord.py used to raise: an ephemeral send on a non-application webhook
    [follow] = fake.find("POST", rf"/webhooks/{fake.app_id}/tok-before-a-restart$")
    assert follow.json["content"] == "Still yours" and follow.json["flags"] & 64
