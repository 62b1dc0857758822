"""Logical channels: ``channels`` entries naming one channel per platform, validated with clear errors."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import SendMessage
from bot.cog import Cog
from bot.config import ConfigError, load_config_text
from bot.config.types import LogicalChannel, StrictModel
from bot.content import text
from bot.testing import Harness
from steward.catalog import discover

OLD = """\
communities:
  - name: acme
    channels: {modlog: "#mod-log", general: "#general"}
"""

SPANNING = """\
communities:
  - name: acme
    discord: {guild: "123456789012345678"}
    slack: {team: T0123ABC}
    channels:
      modlog: "#mod-log"
      news: {discord: "#announcements", slack: "#general"}
"""


class Relay(StrictModel):
    channels: list[LogicalChannel] = []


@functools.cache
def _catalog():  # type: ignore[no-untyped-def]
    return discover()


def load(yaml: str, **cogs: type[StrictModel]) -> object:
    catalog = _catalog()
    return load_config_text(yaml, cogs=dict(cogs), platforms=catalog.platform_models(),
                            sections=catalog.community_models(), env={})


def test_existing_configs_keep_working_and_a_mapping_reads_per_platform() -> None:
    old = load(OLD).communities[0]  # type: ignore[attr-defined]
    assert old.channel_on("modlog", "discord") == old.channel_on("modlog", "slack") == "#mod-log"
    config = load(SPANNING).communities[0]  # type: ignore[attr-defined]
    assert config.channel_on("news", "discord") == "#announcements"
    assert config.channel_on("news", "slack") == "#general"
    assert config.channel_on("news", "console") is None
    assert config.channel_names("slack") == {"#mod-log", "#general"}
    assert config.channel_names() == {"#mod-log", "#general", "#announcements"}


@pytest.mark.parametrize(("entry", "line", "fragment"), [
    ("{}", 7, "communities[0].channels.news: a channel per platform is written"),
    ('{discord: "announcements"}', 7, 'discord: a channel is written as "#name"'),
    ('{Discord!: "#a"}', 7, "`Discord!` is not a platform name"),
    ('{discord: "#a", telegram: "#b"}', 7, "names telegram, which this community is not on (it is on discord, slack)"),
    ("[a, b]", 7, 'a channel is written as "#name" or {discord'),
])
def test_bad_entries_name_the_line_and_the_key(entry: str, line: int, fragment: str) -> None:
    yaml = SPANNING.replace('{discord: "#announcements", slack: "#general"}', entry)
    with pytest.raises(ConfigError) as raised:
        load(yaml)
    message = str(raised.value)
    assert fragment in message and f":{line} " in message, message


def test_a_cog_field_naming_a_logical_channel_must_name_a_key() -> None:
    good = load(SPANNING + "    relay: {channels: [news]}\n", relay=Relay)
    assert good.communities[0].relay.channels == ["news"]  # type: ignore[attr-defined]
    with pytest.raises(ConfigError) as raised:
        load(SPANNING + "    relay: {channels: [lounge]}\n", relay=Relay)
    assert "communities[0].relay.channels[0]: unknown channel key `lounge`" in str(raised.value)
    assert "per-platform keys: news" in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        load(SPANNING + "    relay: {channels: ['#general']}\n", relay=Relay)
    assert "by its key under `channels`" in str(raised.value)


_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
_values = _leaf | st.lists(_leaf, max_size=3) | st.dictionaries(st.text(max_size=8), _leaf, max_size=3)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_values)
def test_any_entry_is_accepted_or_refused_with_a_config_error(value: object) -> None:
    yaml = SPANNING.replace('{discord: "#announcements", slack: "#general"}', json.dumps(value))
    try:
        load(yaml)
    except ConfigError as exc:  # anything else (a traceback) fails the test
        assert all(issue.line for issue in exc.issues)


class Announcer(Cog):
    """Posts to the logical channel ``news``."""

    name = "announcer"


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    yaml = """
communities:
  - name: acme
    channels: {modlog: "#mod-log", news: {discord: "#announcements", slack: "#general"}, only: {slack: "#x"}}
    announcer: {}
"""
    harness = await Harness.start(yaml, db_url=db_url, cogs={"announcer": Announcer}, platforms=("discord", "slack"))
    yield harness
    await harness.close()


@pytest.mark.pg
async def test_post_to_fans_out_once_per_platform_through_the_outbox(h: Harness) -> None:
    ctx = next(c for c in h.runtime.cogs_of("acme") if c.name == "announcer").ctx
    assert {p: c.id for p, c in h.runtime.communities["acme"].logical("news").items()} == {
        "discord": "announcements", "slack": "general"}
    for _ in range(2):  # the same key twice is the same effects: each platform's copy goes once
        async with h.runtime.db.session() as session, session.begin():
            await ctx.post_to("news", text("Release 2.0 is out"), session=session, key="release-2.0")
        await h.runtime.idle()
    sent = [(a.channel.platform, a.channel.id) for a in h.performed if isinstance(a, SendMessage)
            and a.content.plain() == "Release 2.0 is out"]
    assert sorted(sent) == [("discord", "announcements"), ("slack", "general")]
    results = await ctx.post_to("only", text("slack only"))
    assert [r.action.platform for r in results if r.ok] == ["slack"]
    assert await ctx.post_to("nowhere", text("x")) == []
    with pytest.raises(ValueError):
        async with h.runtime.db.session() as session, session.begin():
            await ctx.post_to("news", text("x"), session=session)
