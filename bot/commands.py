"""Commands declared once in the core, with typed parameters and a required level.

Text platforms (console, Slack) hand over the raw argument string, which :func:`parse_args`
splits and converts; Discord hands over typed options, which :func:`coerce_options` checks.
Either way a bad argument becomes a :class:`ArgumentError` whose message is for the member.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from bot.durations import DurationError, is_unit, parse_duration
from bot.permissions import Level
from bot.refs import ChannelRef, RoleRef, UserRef


class ParamType(StrEnum):
    """The kinds of argument a command can take."""

    MEMBER = "member"
    CHANNEL = "channel"
    ROLE = "role"
    TEXT = "text"
    INTEGER = "integer"
    CHOICE = "choice"
    DURATION = "duration"
    DATETIME = "datetime"


@dataclass(frozen=True, slots=True)
class Param:
    """One command parameter; a TEXT parameter in last place takes the rest of the line."""

    name: str
    type: ParamType
    description: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None

    def usage(self) -> str:
        """``<name>`` or ``[name]``."""
        label = "|".join(self.choices) if self.type is ParamType.CHOICE and self.choices else self.name
        return f"<{label}>" if self.required else f"[{label}]"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command as declared by a cog."""

    name: str
    description: str
    level: Level = Level.MEMBER
    params: tuple[Param, ...] = ()
    cog: str = ""
    method: str = ""
    aliases: tuple[str, ...] = field(default=())
    direct: bool = False  # also usable in a direct message with Steward (e.g. /appeal by a banned member)

    def usage(self) -> str:
        """One-line usage, e.g. ``/timeout <member> <duration> [reason]``."""
        return " ".join([f"/{self.name}", *(p.usage() for p in self.params)])


class ArgumentError(ValueError):
    """A bad or missing argument; the message is shown to the member."""


class Resolver(Protocol):
    """The lookups argument conversion needs from an adapter."""

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        ...

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        ...

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        ...


_INT_LIMIT = 2**31
_DURATION_PART = re.compile(r"\s*(\d+)\s*([A-Za-z]+)(?=\s|$|\d)")
_TOKEN = re.compile(r'\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))')


def split_args(raw: str, params: Sequence[Param]) -> list[str]:
    """Split a raw argument line; a last TEXT parameter keeps the remainder verbatim.

    Double or single quotes group words (``/role add "Event Hosts"``).
    """
    tokens: list[str] = []
    pos, raw = 0, raw.strip()
    last_text = bool(params) and params[-1].type is ParamType.TEXT
    while pos < len(raw):
        if last_text and len(tokens) == len(params) - 1:
            rest = raw[pos:].strip()
            if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "\"'":
                rest = rest[1:-1]
            tokens.append(rest)
            break
        duration = _duration_at(raw, pos) if params[len(tokens):][:1] and \
            params[len(tokens)].type is ParamType.DURATION else None
        if duration is not None:  # `10 minutes` and `2h 30m` are one argument, as in the config
            tokens.append(duration[0])
            pos = duration[1]
            continue
        match = _TOKEN.match(raw, pos)
        if match is None or match.end() == pos:
            break
        tokens.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    return tokens


def _duration_at(raw: str, pos: int) -> tuple[str, int] | None:
    """The longest run of ``number unit`` pairs at ``pos`` and where it ends, or None."""
    parts: list[str] = []
    end = pos
    while (match := _DURATION_PART.match(raw, end)) is not None and is_unit(match.group(2)):
        parts.append(match.group(0).strip())
        end = match.end()
    return (" ".join(parts), end) if parts else None


async def convert(param: Param, value: Any, *, scope: str, resolver: Resolver, tz: ZoneInfo,
                  now: datetime) -> Any:
    """Convert one raw or platform value to the parameter's Python type."""
    if isinstance(value, (UserRef, ChannelRef, RoleRef, timedelta, datetime)):
        return value
    text = str(value).strip()
    match param.type:
        case ParamType.TEXT:
            return text
        case ParamType.INTEGER:
            try:
                number = int(text)
            except ValueError:
                raise ArgumentError(f"{param.name} must be a whole number, not `{text}`.") from None
            if abs(number) >= _INT_LIMIT:  # beyond what a database integer column holds
                raise ArgumentError(f"{param.name} is too large: `{text[:20]}`.")
            if param.min_value is not None and number < param.min_value:
                raise ArgumentError(f"{param.name} must be at least {param.min_value}.")
            if param.max_value is not None and number > param.max_value:
                raise ArgumentError(f"{param.name} must be at most {param.max_value}.")
            return number
        case ParamType.CHOICE:
            lowered = {c.lower(): c for c in param.choices}
            if text.lower() not in lowered:
                raise ArgumentError(f"{param.name} must be one of {', '.join(param.choices)}; got `{text}`.")
            return lowered[text.lower()]
        case ParamType.DURATION:
            try:
                return parse_duration(text)
            except DurationError as exc:
                raise ArgumentError(f"{param.name}: {exc}.") from None
        case ParamType.DATETIME:
            return parse_when(text, tz=tz, now=now, name=param.name)
        case ParamType.MEMBER:
            user = await resolver.resolve_member(scope, text)
            if user is None:
                raise ArgumentError(f"no member `{text}` here.")
            return user
        case ParamType.CHANNEL:
            channel = await resolver.resolve_channel(scope, text)
            if channel is None:
                raise ArgumentError(f"no channel `{text}` here.")
            return channel
        case ParamType.ROLE:
            role = await resolver.resolve_role(scope, text)
            if role is None:
                raise ArgumentError(f"no role `{text}` here.")
            return role
    raise ArgumentError(f"unsupported parameter type {param.type}")  # pragma: no cover


def parse_when(text: str, *, tz: ZoneInfo, now: datetime, name: str = "time") -> datetime:
    """Read ``in 2h``, ``2026-12-01 18:00`` or ``Dec 1 6pm`` in ``tz``; return UTC."""
    stripped = text.strip()
    if stripped.lower().startswith("in "):
        try:
            return now + parse_duration(stripped[3:])
        except DurationError as exc:
            raise ArgumentError(f"{name}: {exc}.") from None
    try:
        local_now = now.astimezone(tz).replace(second=0, microsecond=0)
        parsed = dateparser.parse(stripped, default=local_now.replace(hour=0, minute=0))
    except (ValueError, OverflowError):
        raise ArgumentError(f"{name}: `{text}` isn't a date/time — try 2026-12-01 18:00 or in 2h.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(now.tzinfo)


async def parse_args(spec: CommandSpec, raw: str | None, options: Mapping[str, object], *,
                     scope: str, resolver: Resolver, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    """Turn a raw line or typed options into keyword arguments for the handler."""
    values: dict[str, Any] = {}
    if raw is not None and not options:
        tokens = split_args(raw, spec.params)
        if len(tokens) > len(spec.params):
            extra = " ".join(tokens[len(spec.params):])
            raise ArgumentError(f"too many arguments (`{extra}`). Usage: {spec.usage()}")
        given: dict[str, object] = dict(zip((p.name for p in spec.params), tokens, strict=False))
    else:
        given = dict(options)
        unknown = set(given) - {p.name for p in spec.params}
        if unknown:
            raise ArgumentError(f"unknown option {', '.join(sorted(unknown))}. Usage: {spec.usage()}")
    for param in spec.params:
        if param.name not in given or given[param.name] in (None, ""):
            if param.required:
                raise ArgumentError(f"missing {param.name}. Usage: {spec.usage()}")
            values[param.name] = None
            continue
        values[param.name] = await convert(param, given[param.name], scope=scope, resolver=resolver,
                                           tz=tz, now=now)
    return values
