"""/reload validates first: a broken file keeps the running config and tells the admin why."""

from __future__ import annotations

from bot.config import ConfigError, ConfigIssue, StewardConfig, load_config_text
from bot.testing import Harness, texts

GOOD = """
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins]}
    channels: {modlog: "#mod-log", welcome: "#welcome"}
"""


async def test_reload_error_keeps_running_config(sqlite_url: str) -> None:
    h = await Harness.start(GOOD, db_url=sqlite_url)
    state = {"broken": True}

    def loader() -> StewardConfig:
        if state["broken"]:
            raise ConfigError([ConfigIssue("steward.yaml", 7, ("communities", 0, "modration"),
                                           "unknown section `modration`")])
        new = load_config_text(GOOD.replace("#welcome", "#hello"), env={})
        return new.model_copy(update={"storage": h.runtime.config.storage})

    h.runtime.loader = loader
    try:
        h.add_member("root", "Admins")
        h.adapter.channels.add("#hello")
        reply = texts(await h.command("root", "/reload"))[0]
        assert reply.startswith("Config not reloaded — the running config stays in force:")
        assert "steward.yaml:7 communities[0].modration: unknown section `modration`" in reply
        assert h.runtime.config.communities[0].channels["welcome"] == "#welcome"
        state["broken"] = False
        assert texts(await h.command("root", "/reload")) == ["Config reloaded."]
        assert h.runtime.communities["acme"].channel("welcome", "memory").id == "hello"  # type: ignore[union-attr]
    finally:
        await h.close()


async def test_reload_with_a_missing_channel_keeps_running_config(sqlite_url: str) -> None:
    h = await Harness.start(GOOD, db_url=sqlite_url)
    h.runtime.loader = lambda: load_config_text(GOOD.replace("#welcome", "#nowhere"), env={})
    try:
        h.add_member("root", "Admins")
        reply = texts(await h.command("root", "/reload"))[0]
        assert "no channel #nowhere" in reply
        assert h.runtime.communities["acme"].channel("welcome", "memory").id == "welcome"  # type: ignore[union-attr]
    finally:
        await h.close()


async def test_a_reload_that_would_strand_a_running_scope_is_refused(sqlite_url: str) -> None:
    h = await Harness.start(GOOD, db_url=sqlite_url)
    renamed = {"name": "acme-corp"}

    def loader() -> StewardConfig:
        new = load_config_text(GOOD.replace("name: acme", f"name: {renamed['name']}"), env={})
        return new.model_copy(update={"storage": h.runtime.config.storage})

    h.runtime.loader = loader
    try:
        h.add_member("root", "Admins")
        reply = texts(await h.command("root", "/reload"))[0]
        assert reply.startswith("Config not reloaded — the running config stays in force:")
        assert "memory acme (community acme) would belong to no community after this reload" in reply
        assert [c.name for c in h.runtime.config.communities] == ["acme"]
        assert texts(await h.command("root", "/about"))[0].endswith("Features on: core commands only.")
        renamed["name"] = "acme"  # the file put back: reload works as before
        assert texts(await h.command("root", "/reload")) == ["Config reloaded."]
    finally:
        await h.close()
