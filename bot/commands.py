"""Commands declared once in the core, with typed parameters and a required level.

Text platforms (console, Slack) hand over the raw argument string, which :func:`parse_args`
splits and converts; Discord hands over typed options, which :func:`coerce_options` checks.
Either way a bad argument becomes a :class:`ArgumentError` whose message is for the member.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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


class OutOfRange(ArgumentError):
    """A value of the right kind outside its limits: never passed on to the next parameter."""


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
                raise OutOfRange(f"{param.name} must be at least {param.min_value}.")
            if param.max_value is not None and number > param.max_value:
                raise OutOfRange(f"{param.name} must be at most {param.max_value}.")
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
    """Turn a raw line or typed options into keyword arguments for the handler.

    On a text line an optional parameter whose word doesn't fit is left out and the word goes to
    the next one: ``/ban @bob spamming`` has no duration and the reason "spamming".
    """
    if raw is not None and not options:
        return await _parse_line(spec, raw, scope=scope, resolver=resolver, tz=tz, now=now)
    given = dict(options)
    unknown = set(given) - {p.name for p in spec.params}
    if unknown:
        raise ArgumentError(f"unknown option {', '.join(sorted(unknown))}. Usage: {spec.usage()}")
    values: dict[str, Any] = {}
    for param in spec.params:
        if param.name not in given or given[param.name] in (None, ""):
            if param.required:
                raise ArgumentError(f"missing {param.name}. Usage: {spec.usage()}")
            values[param.name] = None
            continue
        values[param.name] = await convert(param, given[param.name], scope=scope, resolver=resolver,
                                           tz=tz, now=now)
    return values


async def _parse_line(spec: CommandSpec, raw: str, *, scope: str, resolver: Resolver, tz: ZoneInfo,
                      now: datetime) -> dict[str, Any]:
    tokens = _tokens(raw.strip())
    values: dict[str, Any] = {}
    at = 0  # the next token
    params = spec.params
    for i, param in enumerate(params):
        last_text = param.type is ParamType.TEXT and i == len(params) - 1
        if at >= len(tokens):
            if param.required:
                raise ArgumentError(f"missing {param.name}. Usage: {spec.usage()}")
            values[param.name] = None
            continue
        if last_text:
            values[param.name] = _rest(raw.strip(), tokens[at][1]) or None
            at = len(tokens)
            continue
        word = tokens[at][0]
        span = _duration_at(raw.strip(), tokens[at][1]) if param.type is ParamType.DURATION else None
        taken = 1
        if span is not None:  # `10 minutes` and `2h 30m` are one argument, as in the config
            word, end = span
            taken = max(1, sum(1 for _, start in tokens[at:] if start < end))
        try:
            values[param.name] = await convert(param, word, scope=scope, resolver=resolver, tz=tz, now=now)
        except OutOfRange:
            raise
        except ArgumentError:
            if param.required or i == len(params) - 1:
                raise
            values[param.name] = None  # the word belongs to a later parameter
            continue
        at += taken
    if at < len(tokens):
        extra = _rest(raw.strip(), tokens[at][1])
        raise ArgumentError(f"too many arguments (`{extra}`). Usage: {spec.usage()}")
    if spec.params and spec.params[-1].type is ParamType.TEXT and values.get(spec.params[-1].name) == "":
        values[spec.params[-1].name] = None
    return values


def _tokens(raw: str) -> list[tuple[str, int]]:
    """Words (quotes group them) with where each starts."""
    out: list[tuple[str, int]] = []
    pos = 0
    while pos < len(raw):
        match = _TOKEN.match(raw, pos)
        if match is None or match.end() == pos:
            break
        group = next(i for i, g in enumerate(match.groups(), 1) if g is not None)
        out.append((match.group(group), match.start(group) - (1 if group < 3 else 0)))
        pos = match.end()
    return out


def _rest(raw: str, start: int) -> str:
    """The line from ``start`` on, verbatim; one pair of quotes around all of it is dropped."""
    rest = raw[start:].strip()
    if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "\"'":
        rest = rest[1:-1]
    return rest
