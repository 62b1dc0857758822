"""Every adapter × every capability it declares → the canonical action → ``ok`` against its fake.

Capabilities are read off each adapter's action handlers, so a declared capability always has
code behind it; this test shows that code works through the real discord.py and slack-bolt
against the strict fakes, on the console, and on the memory platform. A deliberately broken
adapter shows the contract turns red.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.console import ConsoleAdapter
from bot.actions import ActionResult, CreateThread
from bot.capabilities import Capability
from bot.clock import ManualClock
from bot.config import load_config_text
from bot.runtime import Runtime
from bot.testing import Harness, MemoryAdapter
from steward.app import build_adapters, load
from steward.catalog import Catalog, discover
from tests.adapters.contract import TARGETED, ContractCog, failures
from tests.adapters.discord.conftest import build_world
from tests.adapters.discord.fake_discord import FakeDiscord, wait_until
from tests.adapters.slack.conftest import Steward, config_yaml
from tests.adapters.slack.fake_slack import FakeSlack

Check = Callable[[], Awaitable[tuple[set[str], dict[str, str]]]]
EVERYTHING = {c.value for c in Capability}
# What each adapter's handlers add up to (Slack's delete needs the admin token the world gives it).
DECLARED = {
    "discord": EVERYTHING - {"home"},
    "slack": {"send", "edit", "ephemeral", "direct", "delete", "bulk_delete", "kick", "react", "buttons", "forms",
              "home", "read_messages", "threads", "files"},
    "console": EVERYTHING - {"scheduled_events", "home"},
    "memory": EVERYTHING,
}
ROLES = "    roles: {moderator: [Moderators], admin: [Admins], member: [Members]}\n" \
        "    commands: {per_member: 100, window: 10s}\n"


def catalog() -> Catalog:
    found = discover()
    return Catalog({**found.cogs, ContractCog.name: ContractCog}, found.cog_modules, found.adapters)


def cog_of(runtime: Runtime) -> Callable[[], ContractCog]:
    return lambda: next(c for c in runtime.cogs_of("acme") if isinstance(c, ContractCog))


async def immediately(check: Callable[[], object]) -> object:
    assert check()
    return check()


# -- one world per adapter ------------------------------------------------------------------------


async def discord_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Check]:
    fake = FakeDiscord()
    await fake.start()
    fake.patch(monkeypatch)
    monkeypatch.setenv("DISCORD_TOKEN", "fake-token.for-tests")
    world = build_world(fake)
    targets = {cap: str(world.guild.member(f"target-{cap.value}").id) for cap in TARGETED}
    path = tmp_path / "steward.yaml"
    path.write_text(f"""
storage: {{url: "sqlite+aiosqlite:///{tmp_path / 'steward.db'}"}}
platforms:
  discord: {{token: "${{DISCORD_TOKEN}}", guild_ready_timeout: 0.05, defer_after: 2, ready_timeout: 10s}}
communities:
  - name: acme
    discord: {{guild: "{world.guild.id}"}}
{ROLES}    channels: {{general: "#general", modlog: "#mod-log"}}
    contract: {{}}
""")
    runtime = await _started(path)

    async def invoke(cap: Capability, target: str | None) -> None:
        options = [{"name": "capability", "type": 3, "value": cap.value}]
        if target:
            options.append({"name": "member", "type": 6, "value": target})
        await fake.slash(world.guild, "general", "olivia", "contract", options)

    async def check() -> tuple[set[str], dict[str, str]]:
        return await failures(cog_of(runtime), runtime.adapters["discord"].capabilities, invoke,
                              lambda body: fake.post(world.guild, "general", "alice", body),
                              lambda c: wait_until(c, within=5), targets)  # type: ignore[arg-type]
    try:
        yield check
    finally:
        await runtime.stop()
        await fake.stop()
    assert fake.unmodelled == []


async def slack_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Check]:
    fake = await FakeSlack().start()
    ws = fake.workspaces["T0001"]
    ws.users["U0TKICK"] = {**ws.users["U0BOB"], "id": "U0TKICK", "name": "target-kick"}
    ws.memberships["U0TKICK"] = ["C0HELP"]  # Slack never removes anyone from #general
    path = tmp_path / "steward.yaml"
    path.write_text(config_yaml(fake, f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}", admin=True,
                                channels={"general": "#general", "modlog": "#mod-log"}, sections="contract: {}"))
    runtime = await _started(path)
    steward = Steward(runtime, fake, path, catalog())
    targets = {Capability.KICK: "<@U0TKICK>"}
    hooks = iter(range(10**6))

    async def invoke(cap: Capability, target: str | None) -> None:
        await steward.command(f"contract {cap.value} {target or ''}".strip(), user="U0OWNER", hook=f"h{next(hooks)}")

    async def post(body: str) -> None:
        await steward.event({"type": "message", "user": "U0BOB", "text": body, "ts": "1700000999.000100",
                             "channel": "C0GENERAL", "channel_type": "channel", "event_ts": "1700000999.000100",
                             "team": "T0001"})

    async def check() -> tuple[set[str], dict[str, str]]:
        return await failures(cog_of(runtime), runtime.adapters["slack"].capabilities, invoke, post,
                              lambda c: fake.wait_for(c, within=5), targets)
    try:
        yield check
    finally:
        await steward.close()
        await fake.stop()
    assert fake.unmodelled == []


async def console_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Check]:
    text = f"storage: {{url: 'sqlite+aiosqlite:///{tmp_path / 'c.db'}'}}\ncommunities:\n  - name: acme\n" \
           f"{ROLES}    channels: {{general: '#general', modlog: '#mod-log'}}\n    contract: {{}}\n"
    config = load_config_text(text, cogs={"contract": ContractCog.settings_model}, env={})
    clock = ManualClock()
    adapter = ConsoleAdapter(config.communities[0], clock, stdin=io.StringIO(""), out=lambda _: None,
                             interactive=False)
    runtime = Runtime(config, cogs={"contract": ContractCog}, adapters=[adapter], clock=clock)
    await runtime.start()
    targets = {cap: f"@target-{cap.value}" for cap in TARGETED}
    for name in targets.values():
        await adapter.feed(f"+{name[1:]}")

    async def invoke(cap: Capability, target: str | None) -> None:
        await adapter.feed(f"olga: /contract {cap.value} {target or ''}")
        await runtime.idle()

    async def post(body: str) -> None:
        await adapter.feed(f"bob: {body}")
        await runtime.idle()

    async def check() -> tuple[set[str], dict[str, str]]:
        return await failures(cog_of(runtime), adapter.capabilities, invoke, post, immediately, targets)
    try:
        yield check
    finally:
        await runtime.stop()


MEMORY_CONFIG = f"communities:\n  - name: acme\n{ROLES}    channels: {{general: '#general'}}\n    contract: {{}}\n"


async def memory_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          adapter_class: type[MemoryAdapter] = MemoryAdapter) -> AsyncIterator[Check]:
    h = await Harness.start(MEMORY_CONFIG, db_url=f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
                            cogs={"contract": ContractCog})
    if adapter_class is not MemoryAdapter:  # swap in the broken platform, keeping the harness's world
        broken = adapter_class(h.adapter.scope, channels=h.adapter.channels, roles=["Members", "Moderators"],
                               performed=h.performed)
        h.runtime.platforms.adapters["memory"] = h.adapter = broken
    targets = {cap: f"target-{cap.value}" for cap in TARGETED}
    for name in targets.values():
        h.add_member(name)

    async def check() -> tuple[set[str], dict[str, str]]:
        return await failures(cog_of(h.runtime), h.adapter.capabilities,
                              lambda cap, target: _done(h.command("olga", f"/contract {cap.value} {target or ''}")),
                              lambda body: _done(h.post("bob", body)), immediately, targets)
    try:
        yield check
    finally:
        await h.close()


async def _done(work: Awaitable[Any]) -> None:
    await work


async def _started(path: Path) -> Runtime:
    found = catalog()
    config = load(path, found)
    adapters, _console, clock = build_adapters(config, found)
    runtime = Runtime(config, cogs=found.cogs, adapters=adapters, clock=clock,
                      migrations=found.adapter_migrations())
    try:
        await runtime.start()
    except BaseException:
        await runtime.stop()
        raise
    return runtime


WORLDS = {"discord": discord_contract, "slack": slack_contract, "console": console_contract,
          "memory": memory_contract}


@pytest.mark.parametrize("platform", list(WORLDS))
async def test_every_declared_capability_is_performed_ok(platform: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    world = WORLDS[platform](tmp_path, monkeypatch)
    check = await anext(world)
    try:
        checked, failed = await check()
    finally:
        await anext(world, None)
    assert failed == {}
    assert checked == DECLARED[platform]


class ClaimsEverything(MemoryAdapter):
    """Broken twice: it declares capabilities by hand (HOME, with no handler behind it), and its thread
    handler reports success without creating anything a later step could use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, capabilities=set(Capability) - {Capability.HOME}, **kwargs)
        self.capabilities = frozenset(Capability)  # what the handlers say would leave HOME out
        self.table.add(CreateThread, self._no_thread)

    async def _no_thread(self, action: CreateThread) -> ActionResult:
        return ActionResult.failure(action, "threads are switched off here", "forbidden")


async def test_a_broken_adapter_turns_the_contract_red(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = memory_contract(tmp_path, monkeypatch, ClaimsEverything)
    check = await anext(world)
    try:
        _checked, failed = await check()
    finally:
        await anext(world, None)
    assert failed == {"home": "ShowOnHome: unsupported this platform can't ShowOnHome",
                      "threads": "CreateThread: forbidden threads are switched off here"}
