"""Steward started as ``steward run`` starts it, against the fake Discord, with the demo cog."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.runtime import Runtime
from steward.app import build_adapters, load
from steward.catalog import Catalog, discover
from tests.adapters.discord.democog import DemoCog
from tests.adapters.discord.fake_discord import FakeDiscord, Guild, Member, perms

STEWARD_PERMS = ("view_channel", "send_messages", "send_messages_in_threads", "embed_links", "read_message_history",
                 "add_reactions", "manage_messages", "manage_channels", "manage_roles", "moderate_members",
                 "kick_members", "ban_members", "create_public_threads", "manage_events", "attach_files")
MOD_PERMS = ("kick_members", "ban_members", "moderate_members", "manage_messages")


@dataclass
class World:
    fake: FakeDiscord
    guild: Guild
    owner: Member
    mod: Member
    alice: Member
    senior: Member


def build_world(fake: FakeDiscord, *, steward_perms: tuple[str, ...] = STEWARD_PERMS) -> World:
    """Acme: @everyone < Members < Moderators(5) < Senior(7) < Admins(8) < Steward(10)."""
    guild = fake.add_guild("Acme")
    guild.role("Members", 1)
    guild.role("Moderators", 5, perms(*MOD_PERMS))
    guild.role("Senior", 7)
    guild.role("Admins", 8, perms("administrator"))
    guild.role("Steward", 10, perms(*steward_perms))
    for name in ("general", "mod-log", "welcome"):
        guild.channel(name)
    owner = guild.member("olivia", "Admins", owner=True)
    mod = guild.member("mo", "Moderators")
    alice = guild.member("alice", "Members")
    senior = guild.member("sam", "Senior")
    fake.join_bot(guild, "Steward")
    return World(fake, guild, owner, mod, alice, senior)


def write_config(tmp_path: Path, guild: Guild, *, discord_extra: str = "", channels: str = "", roles: str = "",
                 section: str = "demo", body: str | None = None, defer_after: float = 0.2) -> Path:
    """One community ``acme`` on the fake guild, as an admin writes it: ``body`` holds its cog sections
    (indented four spaces; by default the section ``section`` with a banned word); ``discord_extra``,
    ``channels`` and ``roles`` go on the end of their flow mappings (``, name: value``)."""
    path = tmp_path / "steward.yaml"
    path.write_text(f"""
storage: {{url: "sqlite+aiosqlite:///{tmp_path / 'steward.db'}"}}
platforms:
  discord: {{token: "${{DISCORD_TOKEN:-}}", guild_ready_timeout: 0.05, defer_after: {defer_after},
            ready_timeout: 10s{discord_extra}}}
communities:
  - name: acme
    discord: {{guild: "{guild.id}"}}
    roles: {{moderator: [Moderators], admin: [Admins]{roles}}}
    channels: {{general: "#general", modlog: "#mod-log"{channels}}}
""" + (f"    {section}: {{banned: [badword]}}\n" if body is None else body))
    return path


def catalog_with(*cogs: type) -> Catalog:
    found = discover()
    return Catalog({**found.cogs, **{c.name: c for c in cogs}}, found.cog_modules, found.adapters)  # type: ignore[attr-defined]


async def start_steward(path: Path, catalog: Catalog | None = None) -> Runtime:
    """What ``steward run`` does: load, build_adapters, Runtime(...).start()."""
    catalog = catalog or catalog_with(DemoCog)
    config = load(path, catalog)
    adapters, console, clock = build_adapters(config, catalog)
    assert console is None, "the Discord adapter should have been created from the token"
    runtime = Runtime(config, cogs=catalog.cogs, adapters=adapters, clock=clock, loader=lambda: load(path, catalog))
    try:
        await runtime.start()
    except BaseException:
        await runtime.stop()  # as `steward run` does after a failed start
        raise
    return runtime


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    server.patch(monkeypatch)
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token.for-tests")
    yield server
    await server.stop()
    assert server.unmodelled == [], "Steward called Discord routes the fake does not model"


@dataclass
class Running:
    world: World
    runtime: Runtime

    @property
    def fake(self) -> FakeDiscord:
        return self.world.fake

    @property
    def guild(self) -> Guild:
        return self.world.guild

    def cog(self) -> DemoCog:
        return next(c for c in self.runtime.cogs_of("acme") if isinstance(c, DemoCog))

    @property
    def adapter(self):  # type: ignore[no-untyped-def]
        return self.runtime.adapters["discord"]


@pytest.fixture
async def steward(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Running]:
    world = build_world(fake)
    runtime = await start_steward(write_config(tmp_path, world.guild))
    fake.mark()
    yield Running(world, runtime)
    await runtime.stop()


Factory = Callable[..., object]
