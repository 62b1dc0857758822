"""Issue 19, item 6: a duration reads the same in the config and in a command."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import ArgumentError, CommandSpec, Param, ParamType, parse_args
from bot.config.types import Duration, StrictModel
from bot.durations import parse_duration
from tests.bot.test_signatures import Names

UNITS = ["s", "sec", "seconds", "m", "min", "minutes", "h", "hr", "hours", "d", "days", "w", "weeks"]
PARTS = st.lists(st.tuples(st.integers(1, 60), st.sampled_from(UNITS), st.sampled_from(["", " "])),
                 min_size=1, max_size=3)


class Section(StrictModel):
    """A config section with a duration, as cogs declare them."""

    every: Duration


def _duration(written: str) -> object:
    return Section.model_validate({"every": written}).every


TIMEOUT = CommandSpec("timeout", "Time a member out.", params=(
    Param("member", ParamType.MEMBER), Param("duration", ParamType.DURATION),
    Param("reason", ParamType.TEXT, required=False)))


def parsed(line: str) -> dict[str, Any]:
    return asyncio.run(parse_args(TIMEOUT, line, {}, scope="acme", resolver=Names(), tz=ZoneInfo("UTC"),
                                  now=datetime(2026, 1, 5, tzinfo=UTC)))


@given(parts=PARTS, reason=st.sampled_from(["spam", "being rude", "1 more time", ""]))
def test_a_duration_reads_the_same_in_config_and_command(parts: list[tuple[int, str, str]], reason: str) -> None:
    written = " ".join(f"{n}{gap}{unit}" for n, unit, gap in parts)
    values = parsed(f"@bob {written} {reason}".strip())
    assert values["duration"] == _duration(written) == parse_duration(written)
    assert values["reason"] == (reason or None)


def test_examples_from_the_readme() -> None:
    assert parsed("@bob 10 minutes spam")["duration"] == _duration("10m")
    assert parsed("@bob 10 minutes spam")["reason"] == "spam"
    assert parsed("@bob 2 hours")["duration"] == _duration("2h")
    with pytest.raises(ArgumentError):  # no unit: the command says so, as the config does
        parsed("@bob 10 spam")
