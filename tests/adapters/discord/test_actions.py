"""Every action the core can ask for, performed through the real discord.py against the fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.actions import (
    AddReaction,
    AddRole,
    BanMember,
    BulkDelete,
    CancelScheduledEvent,
    CreateThread,
    DeleteMessage,
    EditMessage,
    File,
    KickMember,
    LockChannel,
    RemoveRole,
    ScheduleEvent,
    SendDirect,
    SendMessage,
    SetSlowmode,
    TimeoutMember,
    UnbanMember,
)
from bot.components import Button, Select, SelectOption, encode_custom_id
from bot.content import CommandMention, Content, Mention, Moment, UserText, text
from bot.refs import ChannelRef, MessageRef, RoleRef, UserRef
from tests.adapters.discord.conftest import Running, build_world, start_steward, write_config
from tests.adapters.discord.fake_discord import FakeDiscord, snowflake, wait_until

D = "discord"


def _user(member_id: int) -> UserRef:
    return UserRef(D, str(member_id))


async def test_timeout_over_28_days_is_refused_without_rest(steward: Running) -> None:
    scope = str(steward.guild.id)
    result = await steward.adapter.perform(TimeoutMember(scope=scope, user=_user(steward.world.alice.id),
                                                         until=datetime.now(UTC) + timedelta(days=30)))
    assert (result.ok, result.code) == (False, "too_long") and "28 days" in result.error
    ok = await steward.adapter.perform(TimeoutMember(scope=scope, user=_user(steward.world.alice.id),
                                                     until=datetime.now(UTC) + timedelta(days=28)))
    assert ok.ok
    [patch] = steward.fake.mutations()
    sent = datetime.fromisoformat(patch.json["communication_disabled_until"])
    assert sent < datetime.now(UTC) + timedelta(days=28)


async def test_steward_below_target_is_refused_without_rest(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    guild.roles["Steward"].position = 6  # below Senior (7) from now on
    await fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": guild.roles["Steward"].payload()},
                        guild_id=guild.id)
    await wait_until(lambda: steward.adapter.client.get_guild(guild.id).me.top_role.position == 6)
    for action in (KickMember(scope=str(guild.id), user=_user(steward.world.senior.id)),
                   TimeoutMember(scope=str(guild.id), user=_user(steward.world.senior.id),
                                 until=datetime.now(UTC) + timedelta(hours=1)),
                   AddRole(scope=str(guild.id), user=_user(steward.world.alice.id),
                           role=RoleRef(D, str(guild.roles["Senior"].id)))):
        result = await steward.adapter.perform(action)
        assert (result.ok, result.code) == (False, "hierarchy"), result
    assert fake.mutations() == []


async def test_dm_to_a_member_with_closed_dms_reports_dm_closed(steward: Running) -> None:
    steward.fake.fail("POST", r"/channels/\d+/messages$", code=50007, message="Cannot send messages to this user")
    result = await steward.adapter.perform(SendDirect(user=_user(steward.world.alice.id), content=text("hi")))
    assert (result.ok, result.code) == (False, "dm_closed")


async def test_repeated_403s_open_the_breaker_and_alert_moderators_once(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = guild.channels["general"].id
    fake.fail("DELETE", r"/messages/\d+$")
    threshold = steward.adapter.settings.breaker_threshold
    results = [await steward.adapter.perform(DeleteMessage(message=MessageRef(D, str(general), str(snowflake()))))
               for _ in range(threshold + 3)]
    assert [r.code for r in results] == ["forbidden"] * threshold + ["circuit_open"] * 3
    assert len(fake.find("DELETE", r"/messages/\d+$")) == threshold  # no hammering once open
    [alert] = fake.find("POST", rf"/channels/{guild.channels['mod-log'].id}/messages$")
    assert "Missing Permissions" in alert.json["content"]
    assert f"<@&{guild.roles['Moderators'].id}>" in alert.json["content"]
    assert alert.json["allowed_mentions"]["roles"] == [str(guild.roles["Moderators"].id)] or \
        alert.json["allowed_mentions"]["roles"] == [guild.roles["Moderators"].id]


async def test_member_actions_call_the_right_endpoints(steward: Running) -> None:
    fake, guild, alice = steward.fake, steward.guild, steward.world.alice
    scope, user = str(guild.id), _user(alice.id)
    members_role = RoleRef(D, str(guild.roles["Members"].id))
    for action in (AddRole(scope=scope, user=user, role=members_role, reason="onboarding"),
                   RemoveRole(scope=scope, user=user, role=members_role),
                   BanMember(scope=scope, user=user, delete_history=timedelta(days=30), reason="spam"),
                   UnbanMember(scope=scope, user=user),
                   KickMember(scope=scope, user=_user(steward.world.mod.id))):
        result = await steward.adapter.perform(action)
        assert result.ok, result
    calls = [(c.method, c.path) for c in fake.mutations()]
    assert calls == [("PUT", f"/guilds/{guild.id}/members/{alice.id}/roles/{members_role.id}"),
                     ("DELETE", f"/guilds/{guild.id}/members/{alice.id}/roles/{members_role.id}"),
                     ("PUT", f"/guilds/{guild.id}/bans/{alice.id}"),
                     ("DELETE", f"/guilds/{guild.id}/bans/{alice.id}"),
                     ("DELETE", f"/guilds/{guild.id}/members/{steward.world.mod.id}")]
    ban = fake.mutations()[2]
    assert ban.query == {"delete_message_seconds": str(7 * 86400)}  # Discord's maximum


async def test_channel_actions(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = guild.channels["general"]
    channel = ChannelRef(D, str(general.id))
    ids = [str(snowflake()) for _ in range(3)]
    for action in (SetSlowmode(channel=channel, seconds=30), LockChannel(channel=channel),
                   BulkDelete(channel=channel, messages=tuple(MessageRef(D, str(general.id), i) for i in ids)),
                   AddReaction(message=MessageRef(D, str(general.id), ids[0]), emoji="👍")):
        result = await steward.adapter.perform(action)
        assert result.ok, result
    [slow] = fake.find("PATCH", rf"/channels/{general.id}$")
    assert slow.json["rate_limit_per_user"] == 30
    overwrites = {c.path.rsplit("/", 1)[1]: c.json for c in fake.find("PUT", rf"/channels/{general.id}/permissions/")}
    send = 1 << 11
    assert int(overwrites[str(guild.id)]["deny"]) & send  # @everyone can't post
    assert int(overwrites[str(guild.roles["Moderators"].id)]["allow"]) & send  # moderators still can
    [bulk] = fake.find("POST", rf"/channels/{general.id}/messages/bulk-delete$")
    assert sorted(str(i) for i in bulk.json["messages"]) == sorted(ids)
    assert fake.find("PUT", rf"/messages/{ids[0]}/reactions/")
    too_slow = await steward.adapter.perform(SetSlowmode(channel=channel, seconds=7 * 3600))
    assert (too_slow.ok, too_slow.code) == (False, "too_long")


async def test_threads_and_scheduled_events(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = guild.channels["general"].id
    thread = await steward.adapter.perform(CreateThread(channel=ChannelRef(D, str(general)), name="Q&A",
                                                        content=text("Ask here")))
    assert thread.ok and thread.ref and thread.message is not None and thread.message.channel_id == thread.ref
    assert fake.find("POST", rf"/channels/{thread.ref}/messages$")
    start = datetime.now(UTC) + timedelta(days=3)
    scope = str(guild.id)
    created = await steward.adapter.perform(ScheduleEvent(platform_name=D, scope=scope, name="Meetup", start=start,
                                                          end=start + timedelta(hours=2), location="Berlin"))
    assert created.ok and created.ref
    [post] = fake.find("POST", rf"/guilds/{guild.id}/scheduled-events$")
    assert post.json["entity_type"] == 3 and post.json["entity_metadata"] == {"location": "Berlin"}
    edited = await steward.adapter.perform(ScheduleEvent(platform_name=D, scope=scope, name="Meetup (moved)",
                                                         start=start, end=start + timedelta(hours=3),
                                                         location="Berlin", event=created.ref))
    assert edited.ok
    cancelled = await steward.adapter.perform(CancelScheduledEvent(platform_name=D, scope=scope, event=created.ref))
    assert cancelled.ok
    patches = fake.find("PATCH", rf"/guilds/{guild.id}/scheduled-events/{created.ref}$")
    assert [p.json.get("status") for p in patches] == [None, 4]


async def test_send_escapes_user_text_and_pings_only_named_targets(steward: Running) -> None:
    fake, guild, alice = steward.fake, steward.guild, steward.world.alice
    mods = RoleRef(D, str(guild.roles["Moderators"].id))
    content = Content(("Report by ", Mention(_user(alice.id), "alice"), " for ", Mention(mods, "Moderators"), ": ",
                       UserText("**@here** <@&1> _x_")), ping=(mods,),
                      select=Select("demo:pick", (SelectOption("One", "1"), SelectOption("Two", "2"))))
    result = await steward.adapter.perform(SendMessage(channel=ChannelRef(D, str(guild.channels["general"].id)),
                                                       content=content))
    assert result.ok and result.message is not None
    [post] = fake.find("POST", r"/messages$")
    assert post.json["allowed_mentions"]["users"] == [] and post.json["allowed_mentions"]["parse"] == []
    assert [str(r) for r in post.json["allowed_mentions"]["roles"]] == [mods.id]
    assert "\\*\\*@\u200bhere\\*\\*" in post.json["content"] and "\\_x\\_" in post.json["content"]
    assert post.json["components"][0]["components"][0]["custom_id"] == encode_custom_id("demo:pick")


async def test_outside_text_with_links_timestamps_and_command_mentions_is_inert(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    name = "[a](b) [x](https://evil.example) <t:1700000000:R> </ban:123456789012345678>\n# big"
    result = await steward.adapter.perform(SendMessage(
        channel=ChannelRef(D, str(guild.channels["general"].id)), content=Content(("Case #21: warn ", UserText(name)))))
    assert result.ok
    [post] = fake.find("POST", r"/messages$")
    sent = post.json["content"]
    assert sent.startswith("Case #21: warn \\[a\\](b) \\[x\\](https://evil.example)")  # both links inert
    assert "\\<t:1700000000:R\\>" in sent and "\\</ban:123456789012345678\\>" in sent and "\n\\# big" in sent


async def test_a_command_mention_is_discords_clickable_mention(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    ids = {c["name"]: c["id"] for c in fake.commands[guild.id]}
    content = Content(("Try ", CommandMention("help"), " or ", CommandMention("mute", "<member>"), "; not ",
                       CommandMention("nothing"), "."))
    channel = ChannelRef(D, str(guild.channels["general"].id))
    sent = await steward.adapter.perform(SendMessage(channel=channel, content=content))
    assert sent.ok and sent.action.content is content  # the result names the action as the core sent it
    [post] = fake.find("POST", r"/messages$")
    assert post.json["content"] == f"Try </help:{ids['help']}> or </mute:{ids['mute']}> <member>; not /nothing."


async def test_recreated_modlog_is_followed_by_name(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    old = guild.channels.pop("mod-log")
    await fake.dispatch("CHANNEL_DELETE", old.payload(guild.id), guild_id=guild.id)
    new = guild.channel("mod-log")
    await fake.dispatch("CHANNEL_CREATE", new.payload(guild.id), guild_id=guild.id)
    await wait_until(lambda: steward.adapter.names.follow(old.id) == new.id, what="the name to be followed")
    modlog = steward.runtime.communities["acme"].channel("modlog", D)
    assert modlog == ChannelRef(D, str(old.id))  # the core still holds the id resolved at start
    result = await steward.adapter.perform(SendMessage(channel=modlog, content=text("still here")))
    assert result.ok and fake.find("POST", rf"/channels/{new.id}/messages$")


SEND, REACT, ATTACH, EMBED, EXTERNAL_EMOJI = 1 << 11, 1 << 6, 1 << 15, 1 << 14, 1 << 18


async def _cached_overwrites(steward: Running, channel_id: int, want: dict[int, tuple[int, int]]) -> None:
    """Wait until discord.py's cache holds exactly these overwrites (target → allow, deny)."""
    def current() -> dict[int, tuple[int, int]]:
        channel = steward.adapter.client.get_channel(channel_id)
        return {t.id: tuple(p.value for p in ow.pair()) for t, ow in channel.overwrites.items()}
    await wait_until(lambda: current() == want, what=f"overwrites {want}")


def _overwrites(steward: Running, name: str) -> dict[int, tuple[int, int]]:
    """What the fake Discord holds now, target → (allow, deny)."""
    channel = steward.guild.channels[name]
    return {t: (int(o["allow"]), int(o["deny"])) for t, o in channel.overwrites.items()}


async def test_lock_keeps_the_other_permissions_of_an_existing_everyone_overwrite(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = guild.channels["general"]
    # An admin's own overwrite: members may attach files and embed links, not use external emojis.
    general.overwrite(guild.id, allow=ATTACH | EMBED | REACT, deny=EXTERNAL_EMOJI)
    await fake.dispatch("CHANNEL_UPDATE", general.payload(guild.id), guild_id=guild.id)
    await _cached_overwrites(steward, general.id, {guild.id: (ATTACH | EMBED | REACT, EXTERNAL_EMOJI)})
    result = await steward.adapter.perform(LockChannel(channel=ChannelRef(D, str(general.id))))
    assert result.ok, result
    allow, deny = _overwrites(steward, "general")[guild.id]
    assert deny & SEND and deny & REACT and deny & EXTERNAL_EMOJI
    assert allow & ATTACH and allow & EMBED and not allow & (SEND | REACT)


async def test_unlock_restores_the_overwrites_from_before_the_lock(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = guild.channels["general"]
    mods = guild.roles["Moderators"].id
    general.overwrite(guild.id, allow=REACT | ATTACH, deny=EXTERNAL_EMOJI)  # explicit allows a lock overrides
    await fake.dispatch("CHANNEL_UPDATE", general.payload(guild.id), guild_id=guild.id)
    original = _overwrites(steward, "general")
    await _cached_overwrites(steward, general.id, original)
    channel = ChannelRef(D, str(general.id))
    assert (await steward.adapter.perform(LockChannel(channel=channel))).ok
    locked = _overwrites(steward, "general")
    assert locked[mods][0] & SEND and locked[steward.fake.bot.id][0] & SEND
    await _cached_overwrites(steward, general.id, locked)
    assert (await steward.adapter.perform(LockChannel(channel=channel, reason="raid"))).ok  # locked twice
    await _cached_overwrites(steward, general.id, _overwrites(steward, "general"))
    result = await steward.adapter.perform(LockChannel(channel=channel, locked=False))
    assert result.ok, result
    assert _overwrites(steward, "general") == original  # @everyone as before; the lock's extra grants gone
    assert {c.path.rsplit("/", 1)[1] for c in fake.find("DELETE", rf"/channels/{general.id}/permissions/")} == \
        {str(mods), str(guild.roles["Admins"].id), str(steward.fake.bot.id)}


async def test_unlock_keeps_a_read_only_channel_read_only(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    news = guild.channel("announcements")
    news.overwrite(guild.id, deny=SEND)
    await fake.dispatch("CHANNEL_CREATE", news.payload(guild.id), guild_id=guild.id)
    await wait_until(lambda: steward.adapter.client.get_channel(news.id) is not None)
    channel = ChannelRef(D, str(news.id))
    assert (await steward.adapter.perform(LockChannel(channel=channel))).ok
    await _cached_overwrites(steward, news.id, _overwrites(steward, "announcements"))
    assert (await steward.adapter.perform(LockChannel(channel=channel, locked=False))).ok
    assert _overwrites(steward, "announcements") == {guild.id: (0, SEND)}  # members still can't post


async def test_unlock_of_a_channel_steward_did_not_lock_lifts_only_the_lock_denials(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = guild.channels["general"]
    general.overwrite(guild.id, allow=ATTACH, deny=SEND | REACT | EXTERNAL_EMOJI)  # locked by hand
    await fake.dispatch("CHANNEL_UPDATE", general.payload(guild.id), guild_id=guild.id)
    await _cached_overwrites(steward, general.id, _overwrites(steward, "general"))
    assert (await steward.adapter.perform(LockChannel(channel=ChannelRef(D, str(general.id)), locked=False))).ok
    assert _overwrites(steward, "general") == {guild.id: (ATTACH, EXTERNAL_EMOJI)}


async def test_edit_message_patches_steward_s_own_message(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    channel = ChannelRef(D, str(guild.channels["general"].id))
    sent = await steward.adapter.perform(SendMessage(channel=channel, content=text("RSVP: 1 going").with_buttons(
        Button("Going", "demo:rsvp"))))
    assert sent.ok and sent.message is not None
    edited = await steward.adapter.perform(EditMessage(message=sent.message, content=Content((
        "RSVP: 2 going, latest ", UserText("@everyone"),))))
    assert edited.ok and edited.message == sent.message
    [patch] = fake.find("PATCH", rf"/channels/{channel.id}/messages/{sent.message.id}$")
    assert "@\u200beveryone" in patch.json["content"]
    assert patch.json["allowed_mentions"]["parse"] == []
    assert patch.json["components"] == []  # no buttons in the new content: the old ones go


async def test_unlock_after_a_restart_still_restores_the_overwrites(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)
    general = world.guild.channels["general"]
    general.overwrite(world.guild.id, allow=REACT, deny=EXTERNAL_EMOJI)
    original = {t: dict(o) for t, o in general.overwrites.items()}
    config = write_config(tmp_path, world.guild)
    channel = ChannelRef(D, str(general.id))
    runtime = await start_steward(config)
    try:
        assert (await runtime.adapters["discord"].perform(LockChannel(channel=channel, reason="raid"))).ok
    finally:
        await runtime.stop()
    runtime = await start_steward(config)  # the lock outlived Steward: it remembers what came before
    try:
        assert (await runtime.adapters["discord"].perform(LockChannel(channel=channel, locked=False))).ok
    finally:
        await runtime.stop()
    assert general.overwrites == original


MEETUP_AT = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


async def test_a_time_a_file_and_a_thread_through_real_discord_py(steward: Running) -> None:
    fake, guild = steward.fake, steward.guild
    general = ChannelRef(D, str(guild.channels["general"].id))
    content = Content(("Meetup ", Moment(MEETUP_AT), " (", Moment(MEETUP_AT, "R"), ")"))
    sent = await steward.adapter.perform(SendMessage(channel=general, content=content,
                                                     files=(File("meetup.ics", ICS, "text/calendar"),)))
    assert sent.ok, sent.error
    [post] = fake.find("POST", rf"/channels/{general.id}/messages$")
    assert post.json["content"] == "Meetup <t:1767634200:F> (<t:1767634200:R>)"  # each reader's own zone
    assert [(f["filename"], f["data"]) for f in post.json["files"]] == [("meetup.ics", ICS)]
    thread = await steward.adapter.perform(CreateThread(channel=general, name="Meetup chat", message=sent.message))
    assert thread.ok and thread.message is not None
    assert fake.find("POST", rf"/channels/{general.id}/messages/{sent.message.id}/threads$")  # type: ignore
    reply = await steward.adapter.perform(SendMessage(channel=general, content=text("see you there"),
                                                      thread=thread.message))
    assert reply.ok and reply.message is not None and reply.message.channel_id == thread.ref
    [in_thread] = fake.find("POST", rf"/channels/{thread.ref}/messages$")
    assert in_thread.json["content"] == "see you there"


async def test_a_ban_on_a_server_of_another_shard_is_lifted_by_its_ids(steward: Running) -> None:
    # the leader runs the timers of a shard no process runs (bot.processes.ORPHAN_AFTER): a tempban's
    # expiry there reaches Discord although that server is not in this process's cache
    other, user = snowflake(), _user(steward.world.alice.id)
    assert steward.adapter.client.get_guild(other) is None
    steward.fake.bans[other] = {int(user.id)}  # banned there earlier, by the process running that shard
    result = await steward.adapter.perform(UnbanMember(scope=str(other), user=user))
    assert result.ok, result
    assert [(c.method, c.path) for c in steward.fake.mutations()] == [("DELETE", f"/guilds/{other}/bans/{user.id}")]
    assert steward.fake.bans[other] == set()
