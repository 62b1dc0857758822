"""The published application commands: visibility of staff commands, aliases; forms Discord can't show."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.adapters.discord.conftest import Running

MODERATE_MEMBERS, MANAGE_GUILD = 1 << 40, 1 << 5


def _published(steward: Running) -> dict[str, dict[str, Any]]:
    [put] = steward.fake.find("PUT", rf"/applications/{steward.fake.app_id}/guilds/{steward.guild.id}/commands$")
    return {c["name"]: c for c in put.json}


async def test_staff_commands_are_hidden_from_members_by_default(steward: Running) -> None:
    published = _published(steward)
    assert published["warn"]["default_member_permissions"] == str(MODERATE_MEMBERS)  # moderator level
    assert published["mute"]["default_member_permissions"] == str(MODERATE_MEMBERS)
    assert published["reload-demo"]["default_member_permissions"] == str(MANAGE_GUILD)  # admin level
    assert "default_member_permissions" not in published["feedback"]  # every member sees it
    assert "default_member_permissions" not in published["help"]


async def test_steward_still_checks_its_own_roles_when_a_server_shows_a_staff_command_to_everyone(
        steward: Running) -> None:
    # A server admin may let everyone see /warn (Server Settings → Integrations): Steward still refuses.
    fake, guild = steward.fake, steward.guild
    invoked = await fake.slash(guild, "general", "alice", "warn",
                               [{"name": "member", "type": 6, "value": str(steward.world.senior.id)}])
    [callback] = await fake.wait_for("POST", rf"/interactions/{invoked['id']}/[^/]+/callback$")
    assert "moderator" in callback.json["data"]["content"].lower()
    assert steward.cog().cases == []


async def test_aliases_are_published_as_commands_and_reach_the_same_handler(steward: Running) -> None:
    published = _published(steward)
    caution, warn = published["caution"], published["warn"]
    assert caution["options"] == warn["options"]
    assert caution["default_member_permissions"] == warn["default_member_permissions"]
    assert "/warn" in caution["description"]
    fake, guild = steward.fake, steward.guild
    invoked = await fake.slash(guild, "general", "mo", "caution",
                               [{"name": "member", "type": 6, "value": str(steward.world.alice.id)},
                                {"name": "reason", "type": 3, "value": "tone"}])
    [callback] = await fake.wait_for("POST", rf"/interactions/{invoked['id']}/[^/]+/callback$")
    assert "Warned" in callback.json["data"]["content"]
    assert steward.cog().cases == [("warn", str(steward.world.alice.id), "tone")]


async def test_a_form_with_more_than_five_fields_is_refused_not_truncated(
        steward: Running, caplog: pytest.LogCaptureFixture) -> None:
    fake, guild = steward.fake, steward.guild
    with caplog.at_level(logging.ERROR):
        invoked = await fake.slash(guild, "general", "alice", "survey")
        [callback] = await fake.wait_for("POST", rf"/interactions/{invoked['id']}/[^/]+/callback$")
    # a private note, no modal: answered at once, or (on a slow first start) deferred privately
    # and then followed up — never a modal (type 9)
    assert callback.json["type"] in (4, 5) and callback.json["data"]["flags"] & 64
    if callback.json["type"] == 4:
        content = callback.json["data"]["content"]
    else:
        [edit] = await fake.wait_for("PATCH", rf"/webhooks/\d+/{invoked['token']}/messages/@original$")
        content = edit.json["content"]
    assert "can't be shown on Discord" in content
    assert any("6 fields" in r.getMessage() and "at most 5" in r.getMessage() for r in caplog.records)
    await steward.runtime.idle()
    assert len(fake.find("POST", r"/callback$")) == 1  # no "Done." on top of the refusal
