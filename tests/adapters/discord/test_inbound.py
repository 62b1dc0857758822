"""Gateway events → core events, end to end: real discord.py parses what the fake Discord sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.events import MemberLeft, MemberUpdated, MessageDeleted, ReactionAdded
from bot.refs import MessageRef, UserRef
from tests.adapters.discord.conftest import Running, build_world, start_steward, write_config
from tests.adapters.discord.fake_discord import wait_until

D = "discord"


async def _seen(steward: Running, kind: type, what: str) -> Any:
    cog = steward.cog()
    return await wait_until(lambda: next((e for e in cog.seen if isinstance(e, kind)), None),
                            what=f"{what}; the cog saw {cog.seen}")


async def test_reaction_add_becomes_reaction_added(steward: Running) -> None:
    fake, guild, alice = steward.fake, steward.guild, steward.world.alice
    await fake.react(guild, "general", "alice", 1234567890123456789, "👍")
    event: ReactionAdded = await _seen(steward, ReactionAdded, "the reaction")
    assert event.scope == str(guild.id) and event.user == UserRef(D, str(alice.id)) and event.emoji == "👍"
    assert event.message == MessageRef(D, str(guild.channels["general"].id), "1234567890123456789")


async def test_steward_s_own_reaction_is_not_an_event(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    await fake.react(guild, "general", "Steward", 1234567890123456789, "✅")
    await fake.react(guild, "general", "alice", 1234567890123456789, "👍")
    await _seen(steward, ReactionAdded, "alice's reaction")
    await steward.runtime.idle()
    assert [e.emoji for e in steward.cog().seen if isinstance(e, ReactionAdded)] == ["👍"]


async def test_member_remove_becomes_member_left(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    alice = await fake.member_leave(guild, "alice")
    event: MemberLeft = await _seen(steward, MemberLeft, "the leave")
    assert (event.scope, event.member, event.name) == (str(guild.id), UserRef(D, str(alice.id)), "alice")


async def test_nickname_change_becomes_member_updated_with_both_names(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    await fake.member_update(guild, "alice", nick="Ali")
    event: MemberUpdated = await _seen(steward, MemberUpdated, "the nickname change")
    assert (event.before_display_name, event.display_name, event.name) == ("alice", "Ali", "alice")
    assert event.member == UserRef(D, str(steward.world.alice.id))


async def test_message_delete_becomes_message_deleted(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    posted = await fake.post(guild, "general", "alice", "hello")
    await fake.delete(guild, "general", int(posted["id"]))
    event: MessageDeleted = await _seen(steward, MessageDeleted, "the delete")
    assert event.message == MessageRef(D, str(guild.channels["general"].id), posted["id"])
    assert event.scope == str(guild.id)


async def test_edit_of_a_cached_message_carries_the_text_before(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    posted = await fake.post(guild, "general", "alice", "all good here")
    await steward.runtime.idle()
    await fake.edit(guild, "general", "alice", int(posted["id"]), "now a badword")
    cog = steward.cog()
    await wait_until(lambda: cog.hits, what="the edit to reach the cog")
    [hit] = cog.hits
    assert hit.text == "now a badword" and getattr(hit, "before", None) == "all good here"


async def test_with_other_bots_let_in_stewards_own_messages_are_still_dropped_by_the_core(
        fake: Any, tmp_path: Path) -> None:
    world = build_world(fake)
    runtime = await start_steward(write_config(tmp_path, world.guild, discord_extra=", ignore_bots: false"))
    try:
        own = await fake.post(world.guild, "general", "Steward", "my own mod-log text quoting badword")
        theirs = await fake.post(world.guild, "general", "alice", "a badword from alice")
        channel = world.guild.channels["general"].id
        await fake.wait_for("DELETE", rf"/channels/{channel}/messages/{theirs['id']}$")
        await runtime.idle()
        assert fake.find("DELETE", rf"/messages/{own['id']}$") == []  # Steward never moderates itself
    finally:
        await runtime.stop()
