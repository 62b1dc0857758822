"""What a rule or threshold does, as written in YAML: ``delete``, ``{warn: 2}``, ``{timeout: 10m}``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.actions import MAX_DELETE_HISTORY
from bot.durations import DurationError, format_duration, parse_duration

ACTION_KINDS = ("delete", "warn", "timeout", "kick", "ban", "alert", "dm", "slowmode")
# How severe each kind is: the case of an incident is named after its most severe action.
SEVERITY = {"alert": 0, "dm": 0, "slowmode": 0, "delete": 1, "warn": 2, "timeout": 3, "kick": 4, "ban": 5}
MAX_TIMEOUT = timedelta(days=28)  # Discord's cap: longer timeouts are refused (use a timed ban)
TOO_LONG = "a timeout can last at most 28 days (Discord's limit); for longer, use a timed ban"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One configured action."""

    kind: str
    points: int = 0
    duration: timedelta | None = None
    delete_history: timedelta | None = None

    def describe(self) -> str:
        """Short text for logs and the check CLI: ``warn 1``, ``timeout 10m``, ``ban``."""
        if self.kind == "warn":
            return f"warn {self.points}"
        if self.duration is not None:
            return f"{self.kind} {format_duration(self.duration)}"
        return self.kind


def _duration(kind: str, value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"`{kind}` takes a duration like 10m or 7d, got `{value}`")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(f"{kind}: {exc}") from None


HINT = "use delete, alert, dm, kick, ban, warn, {warn: N}, {timeout: 10m}, {ban: 7d} or {slowmode: 30s}"


def parse_action(value: Any) -> ActionSpec:
    """Read one action from YAML; ValueError with a message for admins."""
    if isinstance(value, str):
        return _word(value)
    if isinstance(value, dict) and len(value) == 1:
        (kind, arg), = value.items()
        return _mapping(str(kind).strip().lower(), arg)
    raise ValueError(f"an action is a word or a one-key mapping; {HINT}")


def _word(value: str) -> ActionSpec:
    kind = value.strip().lower()
    if kind not in ACTION_KINDS:
        raise ValueError(f"unknown action `{value}`; {HINT}")
    if kind in ("timeout", "slowmode"):
        raise ValueError(f"{kind} needs a duration: {{{kind}: {'10m' if kind == 'timeout' else '30s'}}}")
    return ActionSpec(kind, points=1 if kind == "warn" else 0)


def _mapping(kind: str, arg: Any) -> ActionSpec:
    if kind == "warn":
        if isinstance(arg, bool) or not isinstance(arg, int) or arg < 1:
            raise ValueError(f"warn takes a whole number of points (1 or more), got `{arg}`")
        return ActionSpec("warn", points=arg)
    if kind in ("timeout", "slowmode"):
        span = _duration(kind, arg)
        if kind == "timeout" and span > MAX_TIMEOUT:
            raise ValueError(f"{TOO_LONG}: {{ban: {format_duration(span)}}}")
        return ActionSpec(kind, duration=span)
    if kind == "ban":
        return _ban(arg) if isinstance(arg, dict) else ActionSpec("ban", duration=_duration("ban", arg))
    raise ValueError(f"unknown action `{kind}`; {HINT}")


def _ban(arg: dict[Any, Any]) -> ActionSpec:
    unknown = set(arg) - {"duration", "delete_history"}
    if unknown:
        raise ValueError(f"ban: unknown key `{sorted(unknown)[0]}` (duration, delete_history)")
    duration = _duration("ban", arg["duration"]) if arg.get("duration") else None
    history = _duration("ban", arg["delete_history"]) if arg.get("delete_history") else None
    if history is not None and history > MAX_DELETE_HISTORY:
        raise ValueError(f"ban: delete_history is at most {format_duration(MAX_DELETE_HISTORY)} "
                         f"(got {format_duration(history)})")
    return ActionSpec("ban", duration=duration, delete_history=history)
