"""The must-show flows: banned word, /warn, join, Undo button, edits, hierarchy refusal."""

from __future__ import annotations

from bot.components import encode_custom_id
from tests.adapters.discord.conftest import Running
from tests.adapters.discord.fake_discord import wait_until

NOBODY = {"parse": [], "users": [], "roles": []}


def _pings_nobody(allowed: dict[str, object]) -> bool:
    return {k: allowed.get(k) for k in NOBODY} == NOBODY and not allowed.get("replied_user")


async def test_banned_word_deletes_times_out_and_logs_without_pings(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    msg = await fake.post(guild, "general", "alice", "you are a BADWORD @everyone")
    general, modlog = guild.channels["general"].id, guild.channels["mod-log"].id
    [delete] = await fake.wait_for("DELETE", rf"/channels/{general}/messages/{msg['id']}$")
    [patch] = await fake.wait_for("PATCH", rf"/guilds/{guild.id}/members/{steward.world.alice.id}$")
    [log] = await fake.wait_for("POST", rf"/channels/{modlog}/messages$")
    assert delete.reason == "banned%20word" or delete.reason == "banned word"
    assert patch.json["communication_disabled_until"]
    assert _pings_nobody(log.json["allowed_mentions"]), log.json["allowed_mentions"]
    assert f"<@{steward.world.alice.id}>" in log.json["content"]  # mentioned natively, but not pinged
    assert "@\u200beveryone" in log.json["content"]  # member text escaped
    assert "BADWORD" in log.json["content"]
    [row] = log.json["components"]
    assert row["components"][0]["custom_id"] == encode_custom_id("demo:undo", str(steward.world.alice.id))


async def test_warn_slash_command_answers_and_stores_a_case(steward: Running) -> None:
    fake, guild, alice = steward.fake, steward.guild, steward.world.alice
    interaction = await fake.slash(guild, "general", "mo", "warn", [
        {"name": "member", "type": 6, "value": str(alice.id)}, {"name": "reason", "type": 3, "value": "spam"}])
    [callback] = await fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
    assert callback.json["type"] == 4
    assert callback.json["data"]["flags"] & 64  # moderator commands answer ephemerally
    assert "Warned" in callback.json["data"]["content"]
    assert _pings_nobody(callback.json["data"]["allowed_mentions"])
    assert steward.cog().cases == [("warn", str(alice.id), "spam")]
    assert not fake.mutations()


async def test_member_join_reaches_the_core(steward: Running) -> None:
    member = await steward.fake.member_join(steward.guild, "newbie")
    cog = steward.cog()
    await wait_until(lambda: cog.joins, what="MemberJoined")
    [event] = cog.joins
    assert (event.member.id, event.name, event.scope, event.community) == (
        str(member.id), "newbie", str(steward.guild.id), "acme")
    assert event.account_created_at is not None


async def test_undo_button_reaches_its_handler(steward: Running) -> None:
    fake, guild, alice = steward.fake, steward.guild, steward.world.alice
    interaction = await fake.press(guild, "mod-log", "mo", encode_custom_id("demo:undo", str(alice.id)))
    [callback] = await fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
    assert callback.json["data"]["content"] == "Timeout lifted."
    assert steward.cog().undone == [str(alice.id)]
    [patch] = fake.find("PATCH", rf"/guilds/{guild.id}/members/{alice.id}$")
    assert patch.json == {"communication_disabled_until": None}


async def test_edited_uncached_message_is_rechecked(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    # A message Steward never saw (posted before it started): only the edit arrives.
    await fake.edit(guild, "general", "alice", 1234567890123456789, "now with badword")
    general = guild.channels["general"].id
    await fake.wait_for("DELETE", rf"/channels/{general}/messages/1234567890123456789$")
    [hit] = steward.cog().hits
    assert type(hit).__name__ == "MessageEdited" and hit.before is None


async def test_edit_of_a_cached_message_is_rechecked(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    msg = await fake.post(guild, "general", "alice", "all good")
    await fake.edit(guild, "general", "alice", int(msg["id"]), "all badword")
    await fake.wait_for("DELETE", rf"/messages/{msg['id']}$")
    hits = steward.cog().hits
    [hit] = hits
    assert hit.before == "all good"


async def test_moderator_below_target_is_refused_without_rest(steward: Running) -> None:
    fake, guild, senior = steward.fake, steward.guild, steward.world.senior
    interaction = await fake.slash(guild, "general", "mo", "warn", [
        {"name": "member", "type": 6, "value": str(senior.id)}])
    [callback] = await fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
    assert "not below yours" in callback.json["data"]["content"]
    assert steward.cog().cases == []
    assert fake.mutations() == []


async def test_owner_cannot_be_muted_and_nothing_is_called(steward: Running) -> None:
    fake, guild, owner = steward.fake, steward.guild, steward.world.owner
    interaction = await fake.slash(guild, "general", "mo", "mute", [
        {"name": "member", "type": 6, "value": str(owner.id)}, {"name": "duration", "type": 3, "value": "1h"}])
    [callback] = await fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
    assert "owns this community" in callback.json["data"]["content"]
    assert fake.mutations() == []


async def test_bots_messages_are_ignored(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    guild.member("otherbot", bot=True)
    await fake.post(guild, "general", "otherbot", "badword")
    await fake.post(guild, "general", "alice", "badword")
    await fake.wait_for("DELETE", r"/messages/\d+$")
    await steward.runtime.idle()
    assert [h.author_name for h in steward.cog().hits] == ["alice"]
