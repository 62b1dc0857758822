"""The onboarding section at load: every mistake located at file:line, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.errors import ConfigError
from bot.config.loader import load_config_text
from cogs.moderation import COG as MODERATION
from cogs.onboarding import COG
from tests.cogs.onboarding.conftest import config

COGS = {"onboarding": COG.settings_model, "moderation": MODERATION.settings_model}


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config_text(text, file="steward.yaml", cogs=COGS, env={})
    return [str(i) for i in caught.value.issues]


def test_the_test_flow_loads() -> None:
    load_config_text(config(), file="steward.yaml", cogs=COGS, env={})


@pytest.mark.parametrize(("change", "expected"), [
    (("role: Members}", "role: Memebrs}"), "unknown role `Memebrs`"),
    (('channel: "#introductions"', 'channel: "#intros"'), "unknown channel `#intros`"),
    (("Member {{member_count}}.", "Member {{count}}."), "unknown placeholder {count}"),
    (("timezone: Asia/Tokyo", "timezone: Mars/Olympus"), "Mars/Olympus"),
    (("name: found-us", "name: interests"), "step names must differ: interests"),
    (("{{id: rust, label: Rust", "{{id: python, label: Rust"), "option ids must differ: python"),
    (("after: 7d", "after: 100d"), "between 1 minute and 90 days"),
    (("kind: introduce", "kind: intro"), "each step needs `kind`"),
    (("name: found-us", "name: first-message"), "funnel stage"),
])
def test_bad_flows_are_located(change: tuple[str, str], expected: str) -> None:
    def unbrace(value: str) -> str:
        return value.replace("{{", "{").replace("}}", "}")

    text = config().replace(unbrace(change[0]), unbrace(change[1]), 1)
    assert text != config()
    found = errors(text)
    assert any(expected in e and e.startswith("steward.yaml:") for e in found), found
    line = int(found[0].split(":")[1].split()[0])
    assert line > 1


def test_the_gate_and_moderations_account_age_rule_do_not_both_act_on_a_join() -> None:
    text = config(extra="      verification: {account_age: 7d}\n") + """
    moderation:
      rules:
        - {name: new-accounts, age: {account: 3d}, actions: [alert]}
"""
    found = errors(text)
    assert len(found) == 2
    assert any("communities[0].onboarding.verification.account_age" in e and "moderation.rules.0.age.account" in e
               for e in found)
    assert any("communities[0].moderation.rules[0].age.account" in e or "moderation.rules.0.age.account" in e
               for e in found)
    # either alone is fine
    load_config_text(config(extra="      verification: {account_age: 7d}\n"), cogs=COGS, env={})
    load_config_text(config() + text.split(config(extra="      verification: {account_age: 7d}\n"))[1],
                     cogs=COGS, env={})


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_template_text_is_accepted_or_refused_with_a_located_message(template: str) -> None:
    quoted = template.replace("\\", "\\\\").replace('"', '\\"')
    text = config().replace('text: "Be kind."', f'text: "{quoted}"', 1)
    try:
        load_config_text(text, file="steward.yaml", cogs=COGS, env={})
    except ConfigError as exc:
        assert all(str(i).startswith("steward.yaml:") for i in exc.issues)
