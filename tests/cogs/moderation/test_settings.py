"""The moderation section: the issue's example validates; bad rules fail at load with their line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, load_config_text
from cogs.moderation.cog import ModerationCog
from cogs.moderation.settings import ModerationSettings

ROOT = Path(__file__).resolve().parents[3]

ISSUE_EXAMPLE = """
communities:
  - name: acme
    roles: {moderator: [Moderators], partner: [Partners]}
    channels: {modlog: "#mod-log"}
    moderation:
      rules:
        - name: banned-words
          words: [casino, freenitro]
          words_file: wordlists/scam.txt
          allow: [casinos-royale-club]
          actions: [delete, {warn: 1}]
        - name: scam-patterns
          regex: ['fr[e3]{2}\\s*n[i1]tro', 'steam\\s*gift\\s*card']
          actions: [delete, alert]
        - name: invites
          links: {invites: true}
          exempt_roles: [Partners]
          actions: [delete]
        - name: mention-spam
          mentions: {max: 5}
          actions: [delete, {timeout: 10m}]
      escalation:
        expire_after: 30d
        thresholds: {3: {timeout: 1h}, 5: kick, 8: ban}
"""

MODELS = {"moderation": ModerationCog.settings_model}


def load(text: str) -> ModerationSettings:
    config = load_config_text(text, cogs=MODELS, env={}, file="test.yaml")
    section = config.communities[0].cog_sections()["moderation"]
    assert isinstance(section, ModerationSettings)
    return section


def issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_config_text(text, cogs=MODELS, env={}, file="test.yaml")
    return [str(i) for i in err.value.issues]


def test_issue_example_validates_as_written() -> None:
    settings = load(ISSUE_EXAMPLE)
    assert [r.name for r in settings.rules] == ["banned-words", "scam-patterns", "invites", "mention-spam"]
    assert settings.escalation.expire_after == timedelta(days=30)
    assert {p: a.describe() for p, a in settings.escalation.thresholds.items()} == {
        3: "timeout 1h", 5: "kick", 8: "ban"}
    assert settings.rules[3].actions[1].duration == timedelta(minutes=10)
    assert settings.engine.match("come to the casino")[0].rule == 0
    assert settings.engine.match("claim your free nitro")  # from wordlists/scam.txt


def test_example_config_loads() -> None:
    from steward.catalog import discover

    catalog = discover()  # every installed platform's section is in the example
    config = load_config(ROOT / "config" / "example.yaml", cogs=catalog.cog_models(),
                         platforms=catalog.platform_models(), env={})
    section = config.communities[0].cog_sections()["moderation"]
    assert isinstance(section, ModerationSettings)
    assert "discord-nitro.gift" in section.scam_domains


def test_backreference_is_rejected_with_its_line() -> None:
    text = ISSUE_EXAMPLE.replace("'steam\\s*gift\\s*card'", "'(spam)\\1'")
    found = issues(text)
    assert len(found) == 1
    assert found[0].startswith("test.yaml:14 communities[0].moderation.rules[1].regex[1]: not a valid RE2 regex")
    assert "backreferences" in found[0]


def test_bad_actions_and_unknown_keys_are_named() -> None:
    found = issues(ISSUE_EXAMPLE.replace("actions: [delete, alert]", "actions: [delete, explode]"))
    assert "rules[1].actions[1]: unknown action `explode`" in found[0]
    found = issues(ISSUE_EXAMPLE.replace("mentions: {max: 5}", "mentions: {max: 5, maxx: 3}"))
    assert "rules[3].mentions.maxx: unknown key" in found[0]
    found = issues(ISSUE_EXAMPLE.replace("{timeout: 10m}", "{timeout: soon}"))
    assert "rules[3].actions[1]" in found[0] and "isn't a duration" in found[0]
    found = issues(ISSUE_EXAMPLE.replace("exempt_roles: [Partners]", "exempt_roles: [Ghosts]"))
    assert "rules[2].exempt_roles[0]: unknown role `Ghosts`" in found[0]
    found = issues(ISSUE_EXAMPLE.replace("words_file: wordlists/scam.txt", "words_file: nope.txt"))
    assert "rules[0].words_file: no such file `nope.txt`" in found[0]
    found = issues(ISSUE_EXAMPLE.replace("5: kick", "x: kick"))
    assert "threshold `x` must be a whole number" in found[0]


def test_rule_needs_something_to_match_and_unique_names() -> None:
    assert "needs something to match" in issues(ISSUE_EXAMPLE.replace("mentions: {max: 5}", "enabled: true"))[0]
    assert "two rules are called" in issues(ISSUE_EXAMPLE.replace("name: invites", "name: banned-words"))[0]


def test_every_rule_kind_the_config_accepts_has_a_check_module() -> None:
    from cogs.moderation.kinds import KINDS
    from cogs.moderation.settings import OTHER_KINDS

    assert list(KINDS) == list(OTHER_KINDS)
