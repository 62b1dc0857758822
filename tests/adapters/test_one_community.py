"""One community on Discord and Slack at once, with BOTH real adapters against their fakes in one process.

Steward is built from one YAML file as ``steward run`` builds it (catalog discovery, no demo cog):
the unmodified discord.py talks to the fake Discord, the real slack-bolt app is served on
127.0.0.1 against the fake Slack Web API. One Steward is started for the whole module (start-up
is the expensive part); each test uses members of its own, so the tests do not depend on their order.
Every assertion is on what the platforms received (REST and Web API calls) or on the case file.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.refs import UserRef
from bot.runtime import Runtime
from cogs.events import store as events_store
from cogs.moderation import repository as repo
from steward.app import build_adapters, load
from steward.catalog import discover
from tests.adapters.discord.conftest import MOD_PERMS, STEWARD_PERMS
from tests.adapters.discord.fake_discord import Call, FakeDiscord, Guild, Member, perms, wait_until
from tests.adapters.slack.conftest import SECRET, Steward
from tests.adapters.slack.fake_slack import Call as SlackCall
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_http import message
from tests.adapters.slack.test_moderation_integration import press as slack_press

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECTIONS = """
    identity: {}
    moderation:
      escalation:
        expire_after: 30d
        thresholds: {2: {timeout: 1h}}
    events: {members_create: true, channel: events}
    bridge: {channels: [support]}
"""


@dataclass
class Both:
    """Steward on both platforms, the two fakes and their worlds."""

    runtime: Runtime
    discord: FakeDiscord
    guild: Guild
    slack: FakeSlack
    steward: Steward  # speaks to the Slack side as Slack does

    def member(self, name: str) -> Member:
        return self.guild.members[name]

    async def slash(self, user: str, name: str, options: list[dict[str, Any]] | None = None,
                    channel: str = "general") -> dict[str, Any]:
        return await self.discord.slash(self.guild, channel, user, name, options)

    async def callback(self, interaction: dict[str, Any]) -> dict[str, Any]:
        [call] = await self.discord.wait_for("POST", rf"/interactions/{interaction['id']}/[^/]+/callback$")
        body: dict[str, Any] = call.json
        return body

    async def discord_answer(self, interaction: dict[str, Any]) -> str:
        """What the member sees on Discord: the callback's text, or the follow-up after a deferral."""
        body = await self.callback(interaction)
        if body["type"] in (4, 7):
            return str(body["data"]["content"])
        [edit] = await self.discord.wait_for("PATCH", rf"/webhooks/\d+/{interaction['token']}/messages/@original$")
        return str(edit.json["content"])

    async def slack_command(self, text: str, *, user: str, hook: str) -> str:
        """``/steward TEXT`` on Slack; what Steward answered (through the command's response_url)."""
        assert await self.steward.command(text, user=user, hook=hook) == 200
        found = await self.slack.wait_for(lambda: [c for c in self.slack.of("response_url")
                                                   if c.args["hook"] == hook])
        return str(found[0].args["text"])

    async def slack_press(self, call: SlackCall, label: str, *, user: str, hook: str) -> str:
        assert await self.steward.interact(slack_press(call, label, user=user, hook=hook, fake=self.slack)) == 200
        found = await self.slack.wait_for(lambda: [c for c in self.slack.of("response_url")
                                                   if c.args["hook"] == hook])
        return str(found[0].args["text"])

    def channel(self, name: str) -> int:
        return self.guild.channels[name].id

    def timeouts(self, member: Member) -> list[Call]:
        return [c for c in self.discord.find("PATCH", rf"/guilds/{self.guild.id}/members/{member.id}$")
                if c.json.get("communication_disabled_until")]

    async def cases_of(self, user: UserRef) -> list[repo.Case]:
        await self.runtime.idle()
        person = await self.runtime.members.persons.get("acme", user)
        async with self.runtime.db.session() as session:
            return sorted(await repo.for_member(session, "acme", person), key=lambda c: c.number)

    async def link(self, discord_name: str, slack_user: str) -> str:
        """/link on Discord, /steward link CODE on Slack; Slack's answer."""
        said = await self.discord_answer(await self.slash(discord_name, "link"))
        found = re.search(r"code is ([A-Z0-9]{3}-[A-Z0-9]{3})", said)
        assert found, said
        return await self.slack_command(f"link {found.group(1)}", user=slack_user, hook=f"link-{slack_user}")


def _member(member: Member) -> dict[str, Any]:
    return {"name": "member", "type": 6, "value": str(member.id)}


def _slack_users(fake: FakeSlack, *names: str) -> None:
    ws = fake.workspaces["T0001"]
    for name in names:
        uid = "U0" + name.upper()
        ws.users[uid] = {"id": uid, "team_id": "T0001", "name": name, "deleted": False, "is_bot": False,
                         "is_admin": False, "is_owner": False, "is_primary_owner": False,
                         "profile": {"display_name": name.title(), "real_name": name.title() + " Example"}}
    ws.channels["C0EVENTS"] = {"id": "C0EVENTS", "name": "events", "is_private": False, "is_archived": False}


def _config(tmp: Path, guild: Guild, slack: FakeSlack) -> Path:
    path = tmp / "steward.yaml"
    path.write_text(f"""
storage: {{url: "sqlite+aiosqlite:///{tmp / 'steward.db'}"}}
platforms:
  discord: {{token: "${{DISCORD_TOKEN:-}}", guild_ready_timeout: 0.05, defer_after: 0.5, ready_timeout: 10s}}
  slack: {{mode: http, host: 127.0.0.1, port: 0, api_url: {slack.api_url}, post_interval_seconds: 0,
          signing_secret: {SECRET}, bot_token: xoxb-test, admin_user_token: xoxp-admin}}
communities:
  - name: acme
    discord: {{guild: "{guild.id}"}}
    slack: {{team: T0001}}
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels:
      general: "#general"
      modlog: "#mod-log"
      events: "#events"
      support: {{discord: "#help", slack: "#help"}}
    commands: {{per_member: 50, window: 10s}}
{SECTIONS}""", encoding="utf-8")
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def both(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Both]:
    tmp = tmp_path_factory.mktemp("one-community")
    patch = pytest.MonkeyPatch()
    discord = FakeDiscord()
    await discord.start()
    discord.patch(patch)
    patch.setenv("DISCORD_TOKEN", "fake-token.for-tests")
    slack = await FakeSlack().start()
    guild = discord.add_guild("Acme")
    guild.role("Members", 1)
    guild.role("Moderators", 5, perms(*MOD_PERMS))
    guild.role("Admins", 8, perms("administrator"))
    guild.role("Steward", 10, perms(*STEWARD_PERMS))
    for name in ("general", "mod-log", "events", "help"):
        guild.channel(name)
    guild.member("olivia", "Admins", owner=True)
    guild.member("mo", "Moderators")
    for name in ("alice", "bob", "carol", "dave", "erin"):
        guild.member(name, "Members")
    discord.join_bot(guild, "Steward")
    _slack_users(slack, "carol", "dave", "erin")
    path = _config(tmp, guild, slack)
    catalog = discover()
    config = load(path, catalog)
    adapters, console, clock = build_adapters(config, catalog)
    assert console is None and sorted(a.platform for a in adapters) == ["discord", "slack"]
    runtime = Runtime(config, cogs=catalog.cogs, adapters=adapters, clock=clock, loader=lambda: load(path, catalog),
                      migrations=catalog.adapter_migrations())
    try:
        await runtime.start()
        steward = Steward(runtime, slack, path, catalog)
        yield Both(runtime, discord, guild, slack, steward)
        await steward.close()
    finally:
        await runtime.stop()
        await slack.stop()
        await discord.stop()
        patch.undo()
    assert discord.unmodelled == [], "Steward called Discord routes the fake does not model"
    assert slack.unmodelled == [], "Steward called Slack methods the fake does not model"


async def test_a_linked_person_warned_on_slack_and_on_discord_reaches_the_threshold_once(both: Both) -> None:
    alice = both.member("alice")
    linked = await both.link("alice", "U0ALICE")
    assert linked.startswith("Linked (link #")
    warned = await both.slack_command("warn <@U0ALICE|alice> 1 spam on slack", user="U0MOD", hook="warn-slack")
    assert warned.startswith("Case #") and "warn" in warned
    await both.runtime.idle()
    assert both.timeouts(alice) == []  # one point: below the threshold
    again = await both.discord_answer(await both.slash("mo", "warn", [_member(alice),
                                                                      {"name": "reason", "type": 3, "value": "spam"}]))
    assert again.startswith("Case #") and "warn alice" in again
    [timeout] = await wait_until(lambda: both.timeouts(alice), what="alice's timeout on Discord")
    until = datetime.fromisoformat(timeout.json["communication_disabled_until"])
    assert timedelta(minutes=59) < until - datetime.now(UTC) <= timedelta(hours=1)
    cases = await both.cases_of(UserRef("slack", "U0ALICE"))
    assert cases == await both.cases_of(UserRef("discord", str(alice.id)))  # one case file for the person
    assert [(c.kind, c.platform) for c in cases] == [("warn", "slack"), ("warn", "discord"), ("timeout", "discord")]
    assert "2 warning points" in cases[-1].reason
    await both.runtime.idle()
    assert len(both.timeouts(alice)) == 1  # the threshold is reached once, not once per platform


async def test_after_unlink_new_cases_stay_on_their_own_platform(both: Both) -> None:
    bob = both.member("bob")
    assert (await both.link("bob", "U0BOB")).startswith("Linked (link #")
    unlinked = await both.slack_command("unlink", user="U0BOB", hook="unlink-bob")
    assert unlinked.startswith("Unlinked (link #")
    await both.slack_command("warn <@U0BOB|bob> 1 spam", user="U0MOD", hook="warn-bob-slack")
    await both.discord_answer(await both.slash("mo", "warn", [_member(bob)]))
    on_slack = await both.cases_of(UserRef("slack", "U0BOB"))
    on_discord = await both.cases_of(UserRef("discord", str(bob.id)))
    assert [(c.kind, c.platform) for c in on_slack] == [("warn", "slack")]
    assert [(c.kind, c.platform) for c in on_discord] == [("warn", "discord")]
    assert both.timeouts(bob) == []  # 1 + 1 points on two persons: nobody reached 2


async def test_a_bridged_message_with_everyone_and_channel_arrives_without_a_ping(both: Both) -> None:
    posted = await both.discord.post(both.guild, "help", "erin", "hello @everyone and <!channel> and @here")
    copy = await both.slack.wait_for(lambda: [c for c in both.slack.of("chat.postMessage")
                                              if c.args["channel"] == "C0HELP"])
    said = json.dumps(copy[0].args)
    assert copy[0].args["text"] == "erin on discord: hello @everyone and &lt;!channel&gt; and @here"
    assert "<!" not in said and copy[0].args["link_names"] is False  # no broadcast, no @name turned into a ping
    assert posted["id"]
    assert await both.steward.event(message("hi @everyone <!channel> <!here>", user="U0ERIN", channel="C0HELP",
                                            ts="1700000500.000100")) == 200
    [back] = await both.discord.wait_for("POST", rf"/channels/{both.channel('help')}/messages$")
    # Slack's broadcast tokens arrive as escaped characters; @everyone is broken by a zero-width space
    assert back.json["content"] == "Erin on slack: hi @\u200beveryone \\<!channel\\> \\<!here\\>"
    allowed = back.json["allowed_mentions"]
    assert allowed.get("parse") == [] and not allowed.get("users") and not allowed.get("roles")


async def test_an_event_filled_from_both_sides_has_one_waitlist(both: Both) -> None:
    opened = await both.slash("mo", "event", [{"name": "action", "type": 3, "value": "create"}])
    modal = await both.callback(opened)
    assert modal["type"] == 9, modal
    fields = {c["components"][0]["custom_id"]: c["components"][0] for c in modal["data"]["components"]}
    values = {"title": "Game night", "start": "tomorrow 18:00", "length": "2h", "place": "", "details": "capacity 2"}
    submitted = await both.discord.submit(both.guild, "general", "mo", modal["data"]["custom_id"],
                                          {k: values[k] for k in fields})
    echoed = await both.callback(submitted)
    create = next(b for row in echoed["data"]["components"] for b in row["components"] if b["label"] == "Create it")
    confirmed = await both.discord.press(both.guild, "general", "mo", create["custom_id"])
    assert "Event #1 is posted in" in await both.discord_answer(confirmed)
    [card] = await both.discord.wait_for("POST", rf"/channels/{both.channel('events')}/messages$")
    [slack_card] = await both.slack.wait_for(lambda: [c for c in both.slack.of("chat.postMessage")
                                                      if c.args["channel"] == "C0EVENTS"])
    going = next(b for row in card.json["components"] for b in row["components"] if b["label"] == "Going")
    cant = next(b for row in card.json["components"] for b in row["components"] if b["label"] == "Can't go")
    async with both.runtime.db.session() as session:  # where the two cards are, as the events cog stored them
        event = await events_store.by_number(session, "acme", 1)
    assert event is not None and sorted(event.cards) == ["discord", "slack"]
    card_id, card_ts = int(event.cards["discord"][1]), event.cards["slack"][1]

    async def discord_rsvp(name: str, button: dict[str, Any]) -> str:
        return await both.discord_answer(await both.discord.press(both.guild, "events", name, button["custom_id"],
                                                                  message_id=card_id))

    assert await discord_rsvp("carol", going) == "You're going — Game night."
    assert await both.slack_press(slack_card, "Going", user="U0CAROL", hook="rsvp-carol") == \
        "You're going — Game night."
    assert await both.slack_press(slack_card, "Going", user="U0DAVE", hook="rsvp-dave") == \
        "The event is full: you're on the waitlist, number 1 — Game night."
    assert await discord_rsvp("dave", going) == "The event is full: you're on the waitlist, number 2 — Game night."
    freed = await discord_rsvp("carol", cant)  # a Discord seat goes to the head of the line, who is on Slack
    assert freed.startswith("You're down as can't go")
    dm = await both.slack.wait_for(lambda: [c for c in both.slack.of("chat.postMessage")
                                            if c.args["channel"] == "D0DAVE"])
    assert "A seat freed up: you're now going to event #1 (Game night)" in dm[0].args["text"]

    def discord_edits() -> list[Call]:
        return both.discord.find("PATCH", rf"/channels/{both.channel('events')}/messages/{card_id}$")

    def slack_edits() -> list[SlackCall]:
        return [c for c in both.slack.of("chat.update")
                if (c.args["channel"], c.args["ts"]) == ("C0EVENTS", card_ts)]

    final = "Going 2 · Maybe 0 · Can't go 1 · 1 waiting · 0 seat(s) left"
    # five changes, each card edited for them (edits close together may be folded into one: the newest wins)
    await wait_until(lambda: bool(discord_edits()) and final in discord_edits()[-1].json["content"]
                     and bool(slack_edits()) and final in slack_edits()[-1].args["text"],
                     what="both cards edited to the final tally")
    await both.runtime.idle()
    # edited, never reposted
    assert len(both.discord.find("POST", rf"/channels/{both.channel('events')}/messages$")) == 1
    assert len([c for c in both.slack.of("chat.postMessage") if c.args["channel"] == "C0EVENTS"]) == 1
