"""Issue 19, item 6: a duration reads the same in the config and in a command."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.commands import Param, ParamType, split_args
from bot.config.types import Duration, StrictModel
from bot.durations import parse_duration

UNITS = ["s", "sec", "seconds", "m", "min", "minutes", "h", "hr", "hours", "d", "days", "w", "weeks"]
PARTS = st.lists(st.tuples(st.integers(1, 60), st.sampled_from(UNITS), st.sampled_from(["", " "])),
                 min_size=1, max_size=3)


class Section(StrictModel):
    """A config section with a duration, as cogs declare them."""

    every: Duration


def _duration(written: str) -> object:
    return Section.model_validate({"every": written}).every


TIMEOUT = (Param("member", ParamType.MEMBER), Param("duration", ParamType.DURATION), Param("reason", ParamType.TEXT))


@given(parts=PARTS, reason=st.sampled_from(["spam", "being rude", "1 more time", ""]))
def test_a_duration_reads_the_same_in_config_and_command(parts: list[tuple[int, str, str]], reason: str) -> None:
    written = " ".join(f"{n}{gap}{unit}" for n, unit, gap in parts)
    tokens = split_args(f"bob {written} {reason}".strip(), TIMEOUT)
    assert parse_duration(tokens[1]) == _duration(written) == parse_duration(written)
    assert tokens[2:] == ([reason] if reason else [])


def test_examples_from_the_readme() -> None:
    assert split_args("@bob 10 minutes spam", TIMEOUT) == ["@bob", "10 minutes", "spam"]
    assert parse_duration(split_args("@bob 2 hours", TIMEOUT)[1]) == _duration("2h")
    assert split_args("@bob 10 spam", TIMEOUT)[1] == "10"  # no unit: the command says so, as the config does
