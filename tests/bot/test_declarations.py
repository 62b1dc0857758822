"""What cogs declare is checked at start: clashing names, parameters a method doesn't take, needs."""

from __future__ import annotations

import pytest

from bot.actions import Action
from bot.capabilities import Capability
from bot.cog import Cog, command
from bot.commands import Param, ParamType
from bot.errors import DeclarationError, MissingCapability
from bot.events import CommandInvoked
from bot.testing import Harness

CONFIG = """
communities:
  - name: acme
    channels: {general: "#general"}
SECTIONS
"""


class Greeter(Cog):
    name = "greeter"

    @command("hello", "Say hello.", aliases=("hi",))
    async def hello(self, event: CommandInvoked) -> list[Action]:
        return []


class AlsoHello(Cog):
    name = "also"

    @command("hi", "Another hi.")
    async def hi(self, event: CommandInvoked) -> list[Action]:
        return []


class Helpful(Cog):
    name = "helpful"

    @command("help", "Shadows the core's /help.")
    async def help(self, event: CommandInvoked) -> list[Action]:
        return []


class Mismatch(Cog):
    name = "mismatch"

    @command("warn", "Warn.", params=[Param("member", ParamType.MEMBER), Param("points", ParamType.INTEGER)])
    async def warn(self, event: CommandInvoked, member: object) -> list[Action]:
        return []


class Reader(Cog):
    name = "reader"
    requires = frozenset({Capability.READ_MESSAGES})


def config(*cogs: str) -> str:
    return CONFIG.replace("SECTIONS", "\n".join(f"    {name}: {{}}" for name in cogs))


async def start(db_url: str, *cogs: type[Cog], capabilities: set[Capability] | None = None) -> Harness:
    return await Harness.start(config(*(c.name for c in cogs)), db_url=db_url, cogs={c.name: c for c in cogs},
                               capabilities=capabilities)


async def test_a_command_name_taken_twice_stops_start_up(db_url: str) -> None:
    with pytest.raises(DeclarationError) as err:
        await start(db_url, Greeter, AlsoHello)
    assert "/hi is declared twice: by Greeter.hello and by AlsoHello.hi" in str(err.value)
    with pytest.raises(DeclarationError, match=r"/help is declared twice: by CoreCog\.help and by Helpful\.help"):
        await start(db_url, Helpful)


async def test_cogs_that_never_meet_may_reuse_a_name(db_url: str) -> None:
    text = config("greeter") + "  - name: beta\n    also: {}\n"
    h = await Harness.start(text, db_url=db_url, cogs={"greeter": Greeter, "also": AlsoHello})
    await h.close()  # one community has /hi from greeter, the other from also: no clash


async def test_a_declared_parameter_the_method_does_not_take_stops_start_up(db_url: str) -> None:
    with pytest.raises(DeclarationError, match=r"/warn declares the parameter 'points', which Mismatch\.warn does not"):
        await start(db_url, Mismatch)


async def test_a_cog_needing_what_the_platform_lacks_stops_start_up(db_url: str) -> None:
    with pytest.raises(MissingCapability, match="community acme turns reader on, which needs read_messages on memory"):
        await start(db_url, Reader, capabilities=set(Capability) - {Capability.READ_MESSAGES})
    h = await start(db_url, Reader)
    await h.close()
