"""The Discord issue's must-show list with the REAL moderation cog.

Steward starts as ``steward run`` starts it (catalog discovery, a YAML file with a
``moderation:`` section), the unmodified discord.py talks to the fake Discord, and every
assertion is on what Discord would have received (REST calls and their JSON bodies) or on
the moderation case file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.components import decode_custom_id
from bot.errors import StartupError
from bot.runtime import Runtime
from cogs.moderation.models import CaseRow
from steward.catalog import discover
from tests.adapters.discord.conftest import World, build_world, start_steward
from tests.adapters.discord.conftest import write_config as community_config
from tests.adapters.discord.fake_discord import Call, FakeDiscord, Member, wait_until

MODERATION = """
    moderation:
      rules:
        - name: banned-words
          words: [badword]
          actions: [delete, {timeout: 10m}]
        - name: rude-words
          words: [rudeword]
          actions: [delete, {warn: 1}]
        - name: bad-names
          words: [official support]
          targets: [names]
          actions: [kick]
      escalation:
        expire_after: 30d
        thresholds: {3: {timeout: 1h}}
      raid:
        joins: 4
        within: 1m
        action: alert
        ends_after: 10m
      wave: {summary_every: 1s}
"""


def write_config(tmp_path: Path, world: World, *, discord_extra: str = "") -> Path:
    """A config as an admin writes it: one community on Discord with the moderation cog."""
    return community_config(tmp_path, world.guild, discord_extra=discord_extra, body=MODERATION, defer_after=0.5)


class Mod:
    """Steward running with the real moderation cog, and helpers to drive and inspect it."""

    def __init__(self, world: World, runtime: Runtime) -> None:
        self.world, self.runtime = world, runtime
        self.fake, self.guild = world.fake, world.guild
        self.modlog = self.guild.channels["mod-log"].id
        self.general = self.guild.channels["general"].id

    async def callback(self, interaction: dict[str, Any]) -> dict[str, Any]:
        """The body of the interaction's initial response."""
        [call] = await self.fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
        body: dict[str, Any] = call.json
        return body

    async def answer_text(self, interaction: dict[str, Any]) -> str:
        """What the invoker finally sees: the callback's text, or the follow-up after a deferral."""
        body = await self.callback(interaction)
        if body["type"] in (4, 7):
            return str(body["data"]["content"])
        [edit] = await self.fake.wait_for("PATCH", rf"/webhooks/\d+/{interaction['token']}/messages/@original$")
        return str(edit.json["content"])

    def modlog_posts(self) -> list[Call]:
        return self.fake.find("POST", rf"/channels/{self.modlog}/messages$")

    async def modlog_post(self, containing: str) -> Call:
        """The first mod-log post whose text contains ``containing``."""
        found: Call = await wait_until(
            lambda: next((c for c in self.modlog_posts() if containing in c.json["content"]), None),
            what=f"a mod-log post with {containing!r}; got {self.modlog_posts()}")
        return found

    async def cases(self) -> list[CaseRow]:
        await self.runtime.idle()
        async with self.runtime.db.session() as session:
            return list((await session.execute(select(CaseRow).order_by(CaseRow.number))).scalars().all())

    def adapter_cached(self, message_id: int) -> bool:
        """discord.py holds the message in its cache (so an edit arrives with the text before)."""
        client = self.runtime.adapters["discord"].client  # type: ignore[attr-defined]
        return any(m.id == message_id for m in client.cached_messages)

    def member_patches(self, member: Member) -> list[Call]:
        return self.fake.find("PATCH", rf"/guilds/{self.guild.id}/members/{member.id}$")


def _pings_nobody(allowed: dict[str, Any]) -> bool:
    """Discord's allowed_mentions that notify nobody: no parse, no users, no roles, no reply ping."""
    return (allowed.get("parse") == [] and not allowed.get("users") and not allowed.get("roles")
            and not allowed.get("replied_user"))


def _buttons(call: Call) -> dict[str, str]:
    """label → custom id of the buttons on a recorded message."""
    return {c["label"]: c["custom_id"] for row in call.json.get("components", []) for c in row["components"]}


def _member_option(member: Member) -> dict[str, Any]:
    return {"name": "member", "type": 6, "value": str(member.id)}


@pytest.fixture
async def mod(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Mod]:
    world = build_world(fake)
    runtime = await start_steward(write_config(tmp_path, world), discover())
    fake.mark()
    yield Mod(world, runtime)
    await runtime.stop()


# -- automatic rules -----------------------------------------------------------------------------


async def test_banned_word_deletes_times_out_and_logs_pinging_nobody(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    msg = await fake.post(mod.guild, "general", "alice", "you are a badword @everyone")
    [delete] = await fake.wait_for("DELETE", rf"/channels/{mod.general}/messages/{msg['id']}$")
    [patch] = await fake.wait_for("PATCH", rf"/guilds/{mod.guild.id}/members/{alice.id}$")
    log = await mod.modlog_post("banned-words")
    until = datetime.fromisoformat(patch.json["communication_disabled_until"])
    assert timedelta(minutes=9) < until - datetime.now(UTC) <= timedelta(minutes=10)
    assert delete.reason is not None and "banned-words" in delete.reason
    assert _pings_nobody(log.json["allowed_mentions"]), log.json["allowed_mentions"]
    content = log.json["content"]
    assert "Case #1 · timeout" in content and f"<@{alice.id}>" in content
    assert "@\u200beveryone" in content  # the member's text is echoed inert
    assert set(_buttons(log)) == {"Undo", "Ban", "Dismiss"}
    [case] = await mod.cases()
    assert (case.kind, case.user_id, case.rule, case.state) == ("timeout", str(alice.id), "banned-words", "active")
    assert case.modlog_message is not None  # the case remembers its mod-log post
    # The member was told by DM, with an Appeal button, and nobody was pinged there either.
    dm_channel = fake.dm_channels[alice.id]
    [dm] = await fake.wait_for("POST", rf"/channels/{dm_channel}/messages$")
    assert "Appeal" in _buttons(dm) and _pings_nobody(dm.json["allowed_mentions"])


async def test_warn_rule_deletes_and_warns_without_a_timeout(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    msg = await fake.post(mod.guild, "general", "alice", "such a rudeword")
    await fake.wait_for("DELETE", rf"/messages/{msg['id']}$")
    log = await mod.modlog_post("rude-words")
    assert "warn (1 pt)" in log.json["content"] and _pings_nobody(log.json["allowed_mentions"])
    assert mod.member_patches(alice) == []
    [case] = await mod.cases()
    assert (case.kind, case.points) == ("warn", 1)


async def test_edited_uncached_message_is_rechecked_and_deleted(mod: Mod) -> None:
    fake = mod.fake
    # A message from before Steward started: discord.py never cached it, only the edit arrives.
    await fake.edit(mod.guild, "general", "alice", 1234567890123456789, "edited into a badword")
    await fake.wait_for("DELETE", rf"/channels/{mod.general}/messages/1234567890123456789$")
    await fake.wait_for("PATCH", rf"/guilds/{mod.guild.id}/members/{mod.world.alice.id}$")
    [case] = await mod.cases()
    assert case.message_id == "1234567890123456789"


async def test_edited_cached_message_is_rechecked_by_the_real_cog(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    msg = await fake.post(mod.guild, "general", "alice", "a perfectly fine message")
    await wait_until(lambda: mod.adapter_cached(int(msg["id"])), what="discord.py to cache the message")
    await mod.runtime.idle()
    assert fake.mutations() == []
    await fake.edit(mod.guild, "general", "alice", int(msg["id"]), "edited into a badword")
    await fake.wait_for("DELETE", rf"/channels/{mod.general}/messages/{msg['id']}$")
    await fake.wait_for("PATCH", rf"/guilds/{mod.guild.id}/members/{alice.id}$")
    [case] = await mod.cases()
    assert (case.kind, case.message_id) == ("timeout", msg["id"])


async def test_moderators_are_exempt_from_rules(mod: Mod) -> None:
    await mod.fake.post(mod.guild, "general", "mo", "quoting it: badword")
    await mod.fake.post(mod.guild, "general", "alice", "badword")
    await mod.fake.wait_for("DELETE", r"/messages/\d+$")
    assert len(await mod.cases()) == 1
    assert len(mod.fake.find("DELETE", r"/messages/\d+$")) == 1


# -- commands through interactions --------------------------------------------------------------


async def test_warn_slash_command_answers_and_stores_a_case_that_case_shows(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    published = {c["name"]: c for c in fake.commands[mod.guild.id]}
    assert {"warn", "timeout", "ban", "case", "appeal"} <= set(published)
    assert published["warn"]["options"][0] == {**published["warn"]["options"][0], "type": 6, "name": "member"}
    # read off the handler's signature: real options for the points and the duration, not text to parse
    assert [(o["name"], o["type"], o["required"]) for o in published["warn"]["options"]] == [
        ("member", 6, True), ("points", 4, False), ("reason", 3, False)]
    assert (published["warn"]["options"][1]["min_value"], published["warn"]["options"][1]["max_value"]) == (1, 100)
    assert [(o["name"], o["type"], o.get("autocomplete")) for o in published["ban"]["options"]] == [
        ("member", 6, None), ("duration", 3, True), ("reason", 3, None)]
    warn = await fake.slash(mod.guild, "general", "mo", "warn", [_member_option(alice),
                                                                 {"name": "reason", "type": 3, "value": "spam"}])
    body = await mod.callback(warn)
    assert body["type"] == 4 and body["data"]["flags"] & 64  # ephemeral to the moderator
    assert body["data"]["content"] == "Case #1: warn alice."
    assert _pings_nobody(body["data"]["allowed_mentions"])
    [case] = await mod.cases()
    assert (case.kind, case.user_id, case.actor_id, case.reason, case.points) == (
        "warn", str(alice.id), str(mod.world.mod.id), "spam", 1)
    log = await mod.modlog_post("Case #1 · warn")
    assert "by mo" in log.json["content"] and _pings_nobody(log.json["allowed_mentions"])
    assert fake.mutations() == []  # a warning touches nothing on Discord

    show = await fake.slash(mod.guild, "general", "mo", "case", [{"name": "number", "type": 4, "value": 1}])
    shown = await mod.answer_text(show)
    assert "Case #1 · warn (1 pt)" in shown and "spam" in shown and "State: active" in shown


async def test_three_warnings_escalate_to_the_configured_timeout(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    for n in (1, 2, 3):
        warn = await fake.slash(mod.guild, "general", "mo", "warn", [_member_option(alice)])
        assert (await mod.answer_text(warn)).startswith(f"Case #{n}: warn alice")
        if n < 3:
            await mod.runtime.idle()
            assert mod.member_patches(alice) == []
    [patch] = await fake.wait_for("PATCH", rf"/guilds/{mod.guild.id}/members/{alice.id}$")
    until = datetime.fromisoformat(patch.json["communication_disabled_until"])
    assert timedelta(minutes=59) < until - datetime.now(UTC) <= timedelta(hours=1)
    cases = await mod.cases()
    assert [c.kind for c in cases] == ["warn", "warn", "warn", "timeout"]
    assert cases[-1].rule == "escalation" and "3 warning points" in cases[-1].reason
    log = await mod.modlog_post("Case #4 · timeout")
    assert _pings_nobody(log.json["allowed_mentions"])


@pytest.mark.parametrize(("command", "options"), [
    ("timeout", [{"name": "duration", "type": 3, "value": "1h"}]),
    ("ban", []),
])
async def test_moderator_below_target_is_refused_without_any_moderation_call(
        mod: Mod, command: str, options: list[dict[str, Any]]) -> None:
    fake, senior = mod.fake, mod.world.senior
    interaction = await fake.slash(mod.guild, "general", "mo", command, [_member_option(senior), *options])
    body = await mod.callback(interaction)
    assert body["type"] == 4 and body["data"]["flags"] & 64, body
    assert body["data"]["content"].startswith("Can't:") and "role" in body["data"]["content"]
    await mod.runtime.idle()
    assert fake.mutations() == []  # no PATCH / PUT / DELETE reached Discord
    assert await mod.cases() == []
    assert mod.modlog_posts() == []


async def test_timeout_and_ban_commands_reach_discord(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    bob = await fake.member_join(mod.guild, "bob", "Members")
    timeout = await fake.slash(mod.guild, "general", "mo", "timeout", [
        _member_option(alice), {"name": "duration", "type": 3, "value": "2h"},
        {"name": "reason", "type": 3, "value": "cool off"}])
    assert await mod.answer_text(timeout) == "Case #1: timeout alice for 2h."
    [patch] = mod.member_patches(alice)
    assert patch.json["communication_disabled_until"]
    ban = await fake.slash(mod.guild, "general", "mo", "ban", [
        _member_option(bob), {"name": "duration", "type": 3, "value": "7d"},
        {"name": "reason", "type": 3, "value": "spam bot"}])
    assert await mod.answer_text(ban) == "Case #2: ban bob for 1w."
    [case] = [c for c in await mod.cases() if c.number == 2]
    assert case.reason == "spam bot"
    [put] = fake.find("PUT", rf"/guilds/{mod.guild.id}/bans/{bob.id}$")
    assert put.query["delete_message_seconds"] == "86400"  # the configured ban_delete_history (1d default)


# -- joins, names and raids ----------------------------------------------------------------------


async def test_join_with_a_banned_display_name_gets_the_configured_action(mod: Mod) -> None:
    fake = mod.fake
    member = await fake.member_join(mod.guild, "innocent", nick="Official Support")
    [kick] = await fake.wait_for("DELETE", rf"/guilds/{mod.guild.id}/members/{member.id}$")
    assert kick.reason is not None and "bad-names" in kick.reason
    log = await mod.modlog_post("bad-names")
    assert "display name" in log.json["content"] and _pings_nobody(log.json["allowed_mentions"])
    [case] = await mod.cases()
    assert (case.kind, case.user_id) == ("kick", str(member.id))


async def test_nickname_changed_to_a_banned_name_gets_the_configured_action(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    await fake.member_update(mod.guild, "alice", nick="Official Support")
    [kick] = await fake.wait_for("DELETE", rf"/guilds/{mod.guild.id}/members/{alice.id}$")
    assert kick.reason is not None and "bad-names" in kick.reason
    log = await mod.modlog_post("bad-names")
    assert "display name" in log.json["content"] and _pings_nobody(log.json["allowed_mentions"])
    [case] = await mod.cases()
    assert (case.kind, case.user_id) == ("kick", str(alice.id))


async def test_an_innocent_nickname_change_is_left_alone(mod: Mod) -> None:
    await mod.fake.member_update(mod.guild, "alice", nick="Ali")
    await mod.fake.post(mod.guild, "general", "alice", "badword")  # a marker: handled after the update
    await mod.fake.wait_for("DELETE", r"/messages/\d+$")
    assert mod.fake.find("DELETE", rf"/guilds/{mod.guild.id}/members/") == []
    assert [c.kind for c in await mod.cases()] == ["timeout"]


async def test_an_ordinary_join_is_counted_but_not_actioned(mod: Mod) -> None:
    await mod.fake.member_join(mod.guild, "newbie")
    await wait_until(lambda: _moderation(mod).raid.joins, what="the join counted by the raid counter")
    await mod.runtime.idle()
    assert mod.fake.mutations() == [] and mod.modlog_posts() == []


async def test_joins_above_the_threshold_switch_raid_mode_on(mod: Mod) -> None:
    fake = mod.fake
    for i in range(4):
        await fake.member_join(mod.guild, f"raider{i}")
    alert = await mod.modlog_post("Raid mode ON")
    moderators = mod.guild.roles["Moderators"].id
    assert "4 joins" in alert.json["content"] and f"<@&{moderators}>" in alert.json["content"]
    # The one deliberate ping: the moderators' role, and nothing else.
    allowed = alert.json["allowed_mentions"]
    assert allowed["parse"] == [] and not allowed.get("users")
    assert [str(r) for r in allowed["roles"]] == [str(moderators)]
    raider3 = mod.guild.members["raider3"].id
    # the joiner that tripped it gets the raid action: an alert case, listed in the raid summary
    summary = await mod.modlog_post("🚨 Raid: 1 joiner(s)")
    assert "raider3" in summary.json["content"] and str(raider3) not in summary.json["allowed_mentions"]["users"]
    assert _moderation(mod).raid.active


# -- mod-log buttons -----------------------------------------------------------------------------


async def test_undo_button_from_the_modlog_post_lifts_the_timeout_and_revokes_the_case(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    await fake.post(mod.guild, "general", "alice", "badword")
    await fake.wait_for("PATCH", rf"/guilds/{mod.guild.id}/members/{alice.id}$")
    log = await mod.modlog_post("Case #1 · timeout")
    undo_id = _buttons(log)["Undo"]
    assert decode_custom_id(undo_id) is not None
    posted = fake.calls.index(log)
    message_id = 1111111111111111111  # the id the fake gave the post is irrelevant to routing
    press = await fake.press(mod.guild, "mod-log", "mo", undo_id, message_id=message_id)
    assert await mod.answer_text(press) == "Case #1 undone."
    [_timeout, lift] = await fake.wait_for("PATCH", rf"/guilds/{mod.guild.id}/members/{alice.id}$", count=2)
    assert lift.json == {"communication_disabled_until": None}
    [case] = await mod.cases()
    assert (case.state, case.ended_by) == ("revoked", "mo")
    undone = await mod.modlog_post("Case #1 undone by")
    assert fake.calls.index(undone) > posted and _pings_nobody(undone.json["allowed_mentions"])


async def test_members_cannot_press_moderator_buttons(mod: Mod) -> None:
    fake, alice = mod.fake, mod.world.alice
    await fake.post(mod.guild, "general", "alice", "badword")
    log = await mod.modlog_post("Case #1 · timeout")
    await fake.wait_for("PATCH", rf"/guilds/{mod.guild.id}/members/{alice.id}$")
    await mod.runtime.idle()
    fake.mark()
    press = await fake.press(mod.guild, "general", "alice", _buttons(log)["Undo"])
    assert await mod.answer_text(press) == "That button is for moderators; you can't use it here."
    assert fake.mutations() == []
    [case] = await mod.cases()
    assert case.state == "active" and alice.timed_out_until is not None


# -- appeals ---------------------------------------------------------------------------------------


async def _warned(mod: Mod) -> None:
    warn = await mod.fake.slash(mod.guild, "general", "mo", "warn", [_member_option(mod.world.alice)])
    await mod.callback(warn)
    await mod.runtime.idle()


async def test_appeal_command_opens_a_modal_and_the_submission_reaches_the_modlog(mod: Mod) -> None:
    fake = mod.fake
    await _warned(mod)
    appeal = await fake.slash(mod.guild, "general", "alice", "appeal")
    body = await mod.callback(appeal)
    assert body["type"] == 9, body  # MODAL
    modal = body["data"]
    assert modal["title"] == "Appeal case #1"
    fields = [c["custom_id"] for row in modal["components"] for c in row["components"]]
    assert fields == ["why", "contact"]
    submit = await fake.submit(mod.guild, "general", "alice", modal["custom_id"],
                               {"why": "it was a joke @everyone", "contact": ""})
    assert "was sent to the moderators" in await mod.answer_text(submit)
    log = await mod.modlog_post("Appeal of case #1")
    assert set(_buttons(log)) == {"Approve", "Deny"}
    assert "@\u200beveryone" in log.json["content"] and _pings_nobody(log.json["allowed_mentions"])
    [case] = await mod.cases()
    assert case.appeal_state == "pending" and "it was a joke" in (case.appeal_text or "")

    approve = await fake.press(mod.guild, "mod-log", "mo", _buttons(log)["Approve"])
    assert await mod.answer_text(approve) == "Appeal of case #1 approved."
    [case] = await mod.cases()
    assert (case.appeal_state, case.state) == ("approved", "revoked")


async def test_appeal_button_in_a_dm_maps_to_the_community(mod: Mod) -> None:
    """A timed-out (or banned) member appeals from the DM Steward sent: no guild in those interactions."""
    fake, alice = mod.fake, mod.world.alice
    await fake.post(mod.guild, "general", "alice", "badword")
    dm_channel = await wait_until(lambda: fake.dm_channels.get(alice.id), what="the DM to alice")
    [dm] = await fake.wait_for("POST", rf"/channels/{dm_channel}/messages$")
    press = await fake.dm_press(alice, _buttons(dm)["Appeal"])
    body = await mod.callback(press)
    assert body["type"] == 9, body
    submit = await fake.dm_submit(alice, body["data"]["custom_id"], {"why": "sorry", "contact": "alice#1"})
    assert "was sent to the moderators" in await mod.answer_text(submit)
    log = await mod.modlog_post("Appeal of case #1 (timeout)")
    assert set(_buttons(log)) == {"Approve", "Deny"}
    deny = await fake.press(mod.guild, "mod-log", "mo", _buttons(log)["Deny"])
    assert await mod.answer_text(deny) == "Appeal of case #1 denied."
    [case] = await mod.cases()
    assert (case.appeal_state, case.state) == ("denied", "active")
    # The member hears the decision in the same DM.
    await fake.wait_for("POST", rf"/channels/{dm_channel}/messages$", count=2)


async def test_appeal_command_in_a_dm(mod: Mod) -> None:
    """Timed-out members can't use commands in the server and banned ones aren't in it: /appeal works in DMs."""
    fake, alice = mod.fake, mod.world.alice
    assert [c["name"] for c in fake.global_commands] == ["appeal"]
    assert fake.global_commands[0]["contexts"] == [1]  # BOT_DM
    await _warned(mod)
    appeal = await fake.dm_slash(alice, "appeal")
    body = await mod.callback(appeal)
    assert body["type"] == 9, body
    submit = await fake.dm_submit(alice, body["data"]["custom_id"], {"why": "please"})
    assert "was sent to the moderators" in await mod.answer_text(submit)
    await mod.modlog_post("Appeal of case #1 (warn)")


# -- start-up ------------------------------------------------------------------------------------


async def test_missing_message_content_intent_with_moderation_is_a_clear_startup_error(
        fake: FakeDiscord, tmp_path: Path) -> None:
    fake.granted = {"members"}
    world = build_world(fake)
    with pytest.raises(StartupError) as err:
        await start_steward(write_config(tmp_path, world), discover())
    message = str(err.value)
    assert "Message Content Intent" in message and "moderation rules can't read messages" in message
    assert f"https://discord.com/developers/applications/{fake.app_id}/bot" in message


async def test_message_content_off_refuses_the_real_moderation_section(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)
    with pytest.raises(StartupError, match="refuses to run them blind"):
        await start_steward(write_config(tmp_path, world, discord_extra=", message_content: false"), discover())
    assert fake.identifies == []


def _moderation(mod: Mod) -> Any:
    return next(c for c in mod.runtime.cogs_of("acme") if c.name == "moderation")


async def test_dm_appeal_goes_to_the_community_that_sent_it_when_the_member_is_in_two(
        fake: FakeDiscord, tmp_path: Path) -> None:
    """The press in a DM names no guild; the button itself says which server's case it is."""
    acme = build_world(fake)
    beta = fake.add_guild("Beta")
    beta.role("Members", 1)
    beta.role("Moderators", 5)
    beta.role("Admins", 8)
    beta.role("Steward", 10, acme.guild.roles["Steward"].permissions)
    for name in ("general", "mod-log"):
        beta.channel(name)
    beta.member("bea", "Admins", owner=True)
    alice = acme.alice
    # alice is in both servers, and Beta happens to come first in the config
    beta.members["alice"] = Member(alice.id, "alice", [beta.roles["Members"].id])
    fake.join_bot(beta, "Steward")
    path = write_config(tmp_path, acme)
    text = path.read_text()
    path.write_text(text.replace("communities:\n", f"""communities:
  - name: beta
    discord: {{guild: "{beta.id}"}}
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels: {{general: "#general", modlog: "#mod-log"}}
    moderation: {{rules: [{{name: x, words: [zzz], actions: [delete]}}]}}
""", 1))
    runtime = await start_steward(path, discover())
    try:
        await fake.post(acme.guild, "general", "alice", "badword")
        dm_channel = await wait_until(lambda: fake.dm_channels.get(alice.id), what="the DM to alice")
        [dm] = await fake.wait_for("POST", rf"/channels/{dm_channel}/messages$")
        appeal_id = _buttons(dm)["Appeal"]
        assert appeal_id.startswith(f"g{acme.guild.id}|")
        press = await fake.dm_press(alice, appeal_id)
        [callback] = await fake.wait_for("POST", rf"/interactions/{press['id']}/[^/]+/callback$")
        assert callback.json["type"] == 9, callback.json
        modal_id = callback.json["data"]["custom_id"]
        assert modal_id.startswith(f"g{acme.guild.id}|")
        submit = await fake.dm_submit(alice, modal_id, {"why": "wrong person"})
        await fake.wait_for("POST", rf"/interactions/{submit['id']}/[^/]+/callback$")
        acme_log, beta_log = acme.guild.channels["mod-log"].id, beta.channels["mod-log"].id
        await wait_until(lambda: any("Appeal of case #1" in c.json["content"]
                                     for c in fake.find("POST", rf"/channels/{acme_log}/messages$")),
                         what="the appeal in Acme's mod log")
        await runtime.idle()
        assert fake.find("POST", rf"/channels/{beta_log}/messages$") == []
    finally:
        await runtime.stop()


async def test_dm_command_from_a_member_of_no_configured_server_is_answered(
        fake: FakeDiscord, tmp_path: Path) -> None:
    """With two communities and a member in neither (banned), Steward says why it can't route the DM."""
    acme = build_world(fake)
    beta = fake.add_guild("Beta")
    beta.role("Steward", 10, acme.guild.roles["Steward"].permissions)
    beta.channel("mod-log")
    beta.member("bea", owner=True)
    fake.join_bot(beta, "Steward")
    path = write_config(tmp_path, acme)
    path.write_text(path.read_text().replace("communities:\n", f"""communities:
  - name: beta
    discord: {{guild: "{beta.id}"}}
    channels: {{modlog: "#mod-log"}}
""", 1))
    runtime = await start_steward(path, discover())
    try:
        stranger = Member(10**18 + 12345, "stranger")
        interaction = await fake.dm_slash(stranger, "appeal")
        [callback] = await fake.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
        assert callback.json["data"]["flags"] & 64
        assert "can't tell which one" in callback.json["data"]["content"]
    finally:
        await runtime.stop()


async def test_a_timeout_discord_refuses_is_not_reported_as_done(mod: Mod) -> None:
    """Steward's checks pass but Discord says no (a channel override, a stale cache): the moderator hears it."""
    fake, alice = mod.fake, mod.world.alice
    fake.fail("PATCH", rf"/guilds/{mod.guild.id}/members/{alice.id}$", times=1)
    timeout = await fake.slash(mod.guild, "general", "mo", "timeout", [
        _member_option(alice), {"name": "duration", "type": 3, "value": "1h"}])
    answer = await mod.answer_text(timeout)
    assert answer.startswith("Case #1: timeout alice for 1h") and "Discord refused" in answer, answer
    log = await mod.modlog_post("Case #1 · timeout")
    [case] = await mod.cases()
    assert "Discord refused" in (case.note or "")
    assert "Discord refused" in log.json["content"]
    assert alice.timed_out_until is None
    assert alice.id not in fake.dm_channels  # not told about a timeout that did not happen


async def test_mod_log_buttons_still_work_after_a_restart(fake: FakeDiscord, tmp_path: Path) -> None:
    world = build_world(fake)
    path = write_config(tmp_path, world)
    first = await start_steward(path, discover())
    try:
        await fake.post(world.guild, "general", "alice", "badword")
        await fake.wait_for("PATCH", rf"/guilds/{world.guild.id}/members/{world.alice.id}$")
        undo_id = _buttons(await Mod(world, first).modlog_post("Case #1 · timeout"))["Undo"]
        await first.idle()
    finally:
        await first.stop()
    second = await start_steward(path, discover())  # a new process: nothing of the first in memory
    try:
        mod = Mod(world, second)
        press = await fake.press(world.guild, "mod-log", "mo", undo_id, message_id=1111111111111111111)
        assert await mod.answer_text(press) == "Case #1 undone."
        lifts = await fake.wait_for("PATCH", rf"/guilds/{world.guild.id}/members/{world.alice.id}$", count=2)
        assert lifts[-1].json == {"communication_disabled_until": None}
        [case] = await mod.cases()
        assert (case.state, case.ended_by) == ("revoked", "mo")
    finally:
        await second.stop()
