"""Durations as people type them, the same in the config and in commands: ``10m``, ``2h30m``, ``7d``,
``10 minutes``, ``2 hours``."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
}
# ASCII digits only (``\d`` would take ``١٠m``), and few enough that int() stays cheap.
_PART = re.compile(r"([0-9]{1,12})\s*([a-z]+)", re.ASCII)
_WHOLE = re.compile(r"(?:[0-9]{1,12}\s*[a-z]+\s*)+", re.ASCII)
_NUMBER = re.compile(r"[0-9]+", re.ASCII)

HINT = "try 10m, 2h30m, 7d or 2 hours"


def is_unit(word: str) -> bool:
    """Whether ``word`` names a duration unit (``m``, ``minutes``, ``hours``, ...)."""
    return word.lower() in _UNITS


class DurationError(ValueError):
    """A duration that could not be read; the message is for people."""


def parse_duration(value: str) -> timedelta:
    """Parse ``10m``, ``2h30m``, ``1d 12h``; raise :class:`DurationError` with a hint."""
    raw = value.strip().lower()
    value = value if len(value) <= 40 else value[:39] + "…"  # quoted back in messages
    if not raw:
        raise DurationError(f"a duration is needed — {HINT}")
    if _NUMBER.fullmatch(raw):
        raise DurationError(f"`{value}` has no unit — {HINT}")
    if not _WHOLE.fullmatch(raw):
        raise DurationError(f"`{value}` isn't a duration — {HINT}")
    total = 0
    for number, unit in _PART.findall(raw):
        if unit not in _UNITS:
            raise DurationError(f"`{value}`: unknown unit `{unit}` — {HINT}")
        total += int(number) * _UNITS[unit]
    if total <= 0:
        raise DurationError(f"`{value}` is zero — {HINT}")
    if total > 10 * 365 * 86400:
        raise DurationError(f"`{value}` is longer than ten years")
    return timedelta(seconds=total)


def format_duration(delta: timedelta) -> str:
    """Format a duration compactly: ``1d2h``, ``10m``, ``45s``."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out)
