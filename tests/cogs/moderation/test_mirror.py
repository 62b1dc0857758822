"""Mirrored bans and one case file for a member linked across Discord and Slack (memory platforms)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.actions import Action, BanMember, KickMember, Reply
from bot.capabilities import Capability
from bot.config import ConfigError, load_config_text
from bot.testing import Harness, texts
from cogs.identity import COG as IDENTITY
from cogs.moderation import COG as MODERATION
from cogs.moderation.settings import ModerationSettings

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", general: "#general"}
    commands: {per_member: 100, window: 10s}
    identity: {}
    moderation:
      rules:
        - {name: casino-spam, words: [casino], actions: [delete, ban]}
        - {name: crypto-spam, words: [crypto], actions: [delete, ban]}
      mirror: {rules: [casino-spam], moderator_bans: MANUAL}
"""
SLACK = frozenset(Capability) - {Capability.BAN}  # a Slack bot can't ban: the documented fallback is a kick


async def start(db_url: str, *, manual: bool = False) -> Harness:
    harness = await Harness.start(CONFIG.replace("MANUAL", "true" if manual else "false"), db_url=db_url,
                                  cogs={"identity": IDENTITY, "moderation": MODERATION},
                                  platforms=("discord", "slack"), capabilities={"slack": SLACK})
    for platform in ("discord", "slack"):
        harness.add_member("mo", "Moderators", rank=10, platform=platform)
        for name in ("alice", "bob", "carol"):
            harness.add_member(name, platform=platform)
    return harness


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await start(db_url)
    yield harness
    await harness.close()


async def link(h: Harness, name: str) -> None:
    [answer] = texts(await h.command(name, "/link", platform="discord"))
    code = re.search(r"code is ([A-Z0-9]{3}-[A-Z0-9]{3})", answer)
    assert code, answer
    assert texts(await h.command(name, f"/link {code.group(1)}", platform="slack"))[0].startswith("Linked")


def bans(actions: list[Action]) -> list[tuple[str, str, str]]:
    return [(type(a).__name__, a.user.platform, a.user.id) for a in actions if isinstance(a, (BanMember, KickMember))]


@pytest.mark.pg
async def test_a_mirrored_rule_bans_both_accounts_with_slacks_fallback(h: Harness) -> None:
    await link(h, "alice")
    hit = await h.post("alice", "best casino in town", platform="discord")
    assert bans(hit) == [("BanMember", "discord", "alice"), ("KickMember", "slack", "alice")]
    [listing] = [a.content.plain() for a in await h.command("mo", "/cases alice", platform="slack")
                 if isinstance(a, Reply)]
    assert "Accounts: discord alice, slack alice" in listing  # the moderator sees both accounts
    assert "#1 ban · on discord · active" in listing
    assert "#2 ban · on slack · active · by rule casino-spam" in listing
    assert "mirrors case #1 on discord" in listing
    logged = [t for t in texts(hit) if "Case #2" in t]
    assert logged and "slack can't ban members: Steward removed them from its channels" in logged[0]


@pytest.mark.pg
async def test_a_rule_not_mirrored_and_an_unlinked_member_ban_one_account(h: Harness) -> None:
    await link(h, "bob")
    assert bans(await h.post("bob", "crypto for all", platform="discord")) == [("BanMember", "discord", "bob")]
    assert bans(await h.post("carol", "casino night", platform="discord")) == [("BanMember", "discord", "carol")]
    [listing] = texts(await h.command("mo", "/cases carol", platform="discord"))
    assert "Accounts:" not in listing and " · on " not in listing  # one account: nothing to tell apart


@pytest.mark.pg
@pytest.mark.parametrize("manual", [False, True])
async def test_moderator_bans_are_mirrored_only_when_switched_on(db_url: str, manual: bool) -> None:
    h = await start(db_url, manual=manual)
    try:
        await link(h, "alice")
        banned = bans(await h.command("mo", "/ban alice permanent spamming", platform="slack"))
    finally:
        await h.close()
    mirrored = [("BanMember", "discord", "alice")] if manual else []
    assert banned == [("KickMember", "slack", "alice"), *mirrored]


def test_mirror_names_rules_that_exist() -> None:
    text = CONFIG.replace("MANUAL", "false").replace("rules: [casino-spam]", "rules: [casino-spams]")
    with pytest.raises(ConfigError) as refused:
        load_config_text(text, cogs={"moderation": ModerationSettings, "identity": IDENTITY.settings_model}, env={})
    assert "moderation.mirror" in str(refused.value) and "no rule is called `casino-spams`" in str(refused.value)
