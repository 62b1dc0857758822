"""Polls without I/O: reading ``/poll`` arguments, applying a button press to the ballots, the bars."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from bot.durations import DurationError, format_duration, parse_duration

MAX_OPTIONS = 25  # Discord shows at most 25 buttons on a message (5 rows of 5); Slack's actions take 25
MAX_LABEL = 80  # a Discord button label
MAX_QUESTION = 300
SHORTEST = timedelta(minutes=1)
FLAGS = ("anonymous", "multiple")
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|\'([^\']*)\'|(\S+)')
BAR = 12


class PollError(ValueError):
    """A /poll line that makes no poll; the message says what to change."""


@dataclass(frozen=True)
class PollSpec:
    """What /poll asked for."""

    question: str
    options: tuple[str, ...]
    duration: timedelta
    anonymous: bool = False
    multiple: bool = False


def tokens(raw: str) -> list[str]:
    """Words of a command line; straight or curly quotes group words."""
    return [next(g for g in m.groups() if g is not None).strip() for m in _TOKEN.finditer(raw)]


def parse_poll(raw: str, *, default: timedelta, longest: timedelta) -> PollSpec:
    """``"question" option option... [duration] [anonymous] [multiple]``; raises PollError."""
    words = tokens(raw)
    if not words:
        raise PollError('Write the question in quotes, then the options: /poll "Pizza or sushi?" Pizza Sushi')
    question, rest = words[0], words[1:]
    flags: set[str] = set()
    duration: timedelta | None = None
    while rest:  # trailing flags and one duration, in any order
        last = rest[-1].lower()
        if last in FLAGS and last not in flags:
            flags.add(last)
            rest.pop()
            continue
        if duration is None and re.fullmatch(r"\d+[smhdw]\w*", last):
            try:
                duration = parse_duration(last)
            except DurationError:
                break
            rest.pop()
            continue
        break
    options = [o for o in rest if o]
    if not question:
        raise PollError("The question is empty: write it in quotes first.")
    if len(question) > MAX_QUESTION:
        raise PollError(f"The question is {len(question)} characters; a poll's question holds {MAX_QUESTION}.")
    if len(options) < 2:
        raise PollError('A poll needs at least 2 options, e.g. /poll "Pizza or sushi?" Pizza Sushi '
                        '(quote an option of several words).')
    if len(options) > MAX_OPTIONS:
        raise PollError(f"A poll takes at most {MAX_OPTIONS} options (a message shows 25 buttons); "
                        f"this one has {len(options)}.")
    for i, option in enumerate(options, 1):
        if len(option) > MAX_LABEL:
            raise PollError(f"Option {i} is {len(option)} characters; a button label holds {MAX_LABEL}.")
    folded = [o.casefold() for o in options]
    dupe = next((o for i, o in enumerate(options) if folded.index(o.casefold()) != i), None)
    if dupe is not None:
        raise PollError(f"The option “{dupe}” is there twice; each option once, please.")
    duration = default if duration is None else duration
    if duration < SHORTEST:
        raise PollError(f"A poll runs at least {format_duration(SHORTEST)}.")
    if duration > longest:
        raise PollError(f"A poll runs at most {format_duration(longest)}; {format_duration(duration)} is longer.")
    return PollSpec(question, tuple(options), duration, "anonymous" in flags, "multiple" in flags)


class Change(Enum):
    """What one press did to the presser's ballot."""

    ADDED = "added"  # a first vote, or (multiple) one more option
    MOVED = "moved"  # single choice: the vote went from one option to another
    REMOVED = "removed"  # pressing an option already chosen takes it back


@dataclass(frozen=True)
class Press:
    """A press's outcome: the ballot after it, what changed, and the option it moved from."""

    ballot: frozenset[int]
    change: Change
    before: frozenset[int]


def press(before: frozenset[int], option: int, *, multiple: bool) -> Press:
    """Apply a press of ``option`` to one person's ballot: one vote unless ``multiple``; pressing
    the chosen option again takes it back; pressing another moves a single vote."""
    if option in before:
        return Press(before - {option}, Change.REMOVED, before)
    if multiple or not before:
        return Press(before | {option}, Change.ADDED, before)
    return Press(frozenset({option}), Change.MOVED, before)


def counts(ballots: Mapping[int, frozenset[int]], options: int) -> list[int]:
    """Votes per option."""
    out = [0] * options
    for ballot in ballots.values():
        for option in ballot:
            if 0 <= option < options:
                out[option] += 1
    return out


def bar(n: int, total: int, width: int = BAR) -> str:
    """``█████░░░░░░░ 42%`` for ``n`` of ``total``."""
    share = 0.0 if total == 0 else n / total
    full = round(share * width)
    return "█" * full + "░" * (width - full) + f" {round(share * 100)}%"


def winners(tally: list[int]) -> list[int]:
    """The options with the most votes (several on a tie; none without votes)."""
    top = max(tally, default=0)
    return [] if top == 0 else [i for i, n in enumerate(tally) if n == top]
