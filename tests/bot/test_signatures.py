"""Command parameters come from the handler's signature; a text line fills them as people type it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.actions import Action
from bot.cog import Cog, command
from bot.commands import ArgumentError, Param, ParamType, parse_args
from bot.events import CommandInvoked
from bot.refs import ChannelRef, RoleRef, UserRef
from bot.signatures import Arg

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class Names:
    """A resolver that knows @bob and #general."""

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        return UserRef("memory", "bob") if text.lstrip("@") == "bob" else None

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        return ChannelRef("memory", "general") if name == "#general" else None

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        return None


class Mod(Cog):
    name = "mod"

    @command("warn", "Warn.")
    async def warn(self, event: CommandInvoked, member: UserRef,
                   points: Annotated[int, Arg("how many", 1, 100)] | None = None,
                   reason: str | None = None) -> list[Action]:
        return []

    @command("ban", "Ban.")
    async def ban(self, event: CommandInvoked, member: Annotated[UserRef, Arg("who")],
                  duration: timedelta | None = None, reason: str | None = None) -> list[Action]:
        return []

    @command("pick", "Pick.")
    async def pick(self, event: CommandInvoked, colour: Literal["red", "blue"], where: ChannelRef | None = None,
                   when: datetime | None = None) -> list[Action]:
        return []


def spec(name: str):  # type: ignore[no-untyped-def]
    return next(s for s in Mod.table().commands if s.name == name)


async def parse(name: str, line: str) -> dict[str, object]:
    return await parse_args(spec(name), line, {}, scope="acme", resolver=Names(), tz=ZoneInfo("UTC"), now=NOW)


def test_parameters_are_read_off_the_signature() -> None:
    assert spec("warn").params == (
        Param("member", ParamType.MEMBER), Param("points", ParamType.INTEGER, "how many", required=False,
                                                 min_value=1, max_value=100),
        Param("reason", ParamType.TEXT, required=False))
    assert spec("ban").params[0] == Param("member", ParamType.MEMBER, "who")
    assert spec("ban").params[1].type is ParamType.DURATION
    assert spec("pick").params == (Param("colour", ParamType.CHOICE, choices=("red", "blue")),
                                   Param("where", ParamType.CHANNEL, required=False),
                                   Param("when", ParamType.DATETIME, required=False))
    assert spec("warn").usage() == "/warn <member> [points] [reason]"


async def test_optional_words_that_dont_fit_go_to_the_next_parameter() -> None:
    bob = UserRef("memory", "bob")
    assert await parse("warn", "@bob 2 spamming a lot") == {"member": bob, "points": 2, "reason": "spamming a lot"}
    assert await parse("warn", "@bob spamming") == {"member": bob, "points": None, "reason": "spamming"}
    assert await parse("warn", "@bob") == {"member": bob, "points": None, "reason": None}
    assert await parse("ban", "@bob 7d raiding") == {"member": bob, "duration": timedelta(days=7),
                                                     "reason": "raiding"}
    assert await parse("ban", '@bob "no reason at all"') == {"member": bob, "duration": None,
                                                             "reason": "no reason at all"}
    with pytest.raises(ArgumentError, match="points must be at most 100"):
        await parse("warn", "@bob 500 rude")  # a number out of range is an error, not the reason
    with pytest.raises(ArgumentError, match="too many arguments"):
        await parse("pick", "red #general 2026-12-01 extra words")


def test_a_parameter_without_a_usable_type_is_refused_when_the_cog_is_declared() -> None:
    with pytest.raises(TypeError, match="has a type commands can't take"):
        class Bad(Cog):
            name = "bad"

            @command("bad", "Bad.")
            async def bad(self, event: CommandInvoked, things: list[str]) -> None:
                return None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
async def test_any_line_is_parsed_or_refused_in_words(line: str) -> None:
    for name in ("warn", "ban", "pick"):
        try:
            values = await parse(name, line)
        except ArgumentError as exc:
            assert str(exc)
            continue
        reason = values.get("reason")
        assert reason is None or (isinstance(reason, str) and reason.strip() and reason in line)
