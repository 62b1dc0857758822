"""Field types for config models: strict booleans, durations, channel and role names."""

from __future__ import annotations

import re
import types
import typing
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, ValidationInfo, field_validator

from bot.durations import DurationError, format_duration, parse_duration


class StrictModel(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_number(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic reads `true` as 1 where a number is expected; in a config that is always a slip
        if isinstance(value, bool) and info.field_name and _wants_number(cls.model_fields[info.field_name].annotation):
            raise ValueError(f"expected a number, got `{str(value).lower()}`")
        return value


def _wants_number(annotation: Any) -> bool:
    """Whether a field takes a number (``int``, ``float``, optionally ``| None``) and not a bool."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(options) and all(_wants_number(a) for a in options)
    return annotation in (int, float)


class PlatformSection(StrictModel):
    """A platform's part of a community (``discord: {guild: ...}``); each adapter package defines one."""

    def scope(self) -> str:
        """The community's scope on the platform (a server id, a workspace id)."""
        raise NotImplementedError


def _id_text(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError("expected an id")
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected an id")
    return value.strip()


def _strict_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"yes", "no", "on", "off", "y", "n", "true", "false"}:
        raise ValueError(f"`{value}` is text in YAML 1.2; write true or false")
    raise ValueError(f"expected true or false, got `{value}`")


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected a duration like 10m, 2h30m or 7d, got `{value}`")
    if isinstance(value, int):
        raise ValueError(f"`{value}` has no unit; write e.g. {value}s or {value}m")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None


def _channel_name(value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("#") or len(value) < 2 or " " in value:
        raise ValueError(f"a channel is written as \"#name\", got `{value}`")
    return value


_PLATFORM_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")


def _channel_spec(value: Any) -> str | dict[str, str]:
    """A ``channels`` entry: ``"#name"`` (that name on every platform) or ``{platform: "#name", ...}``."""
    if isinstance(value, dict):
        if not value:
            raise ValueError("a channel per platform is written {discord: \"#name\", slack: \"#name\"}; "
                             "this one names no platform")
        out: dict[str, str] = {}
        for platform, name in value.items():
            if not isinstance(platform, str) or not _PLATFORM_KEY.match(platform):
                raise ValueError(f"`{platform}` is not a platform name (write discord, slack, ...)")
            try:
                out[platform] = _channel_name(name)
            except ValueError as exc:
                raise ValueError(f"{platform}: {exc}") from None
        return out
    if isinstance(value, str):
        return _channel_name(value)
    raise ValueError(f"a channel is written as \"#name\" or {{discord: \"#name\", slack: \"#name\"}}, got `{value}`")


def _logical_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or value.startswith("#"):
        raise ValueError(f"name a channel by its key under `channels` (e.g. lounge), got `{value}`")
    return value


def _channel_target(value: Any) -> str:
    if isinstance(value, str) and value.startswith("#"):
        return _channel_name(value)
    if not isinstance(value, str) or not value.strip() or " " in value:
        raise ValueError(f"a channel is written as \"#name\" or as a key under `channels` (e.g. events), got `{value}`")
    return value


def _role_name(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError("name roles, not ids: write the role's name")
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"a role is written by its name, got `{value}`")
    return value.strip()


class ChannelMarker:
    """Marks a field holding a channel name that must be declared in ``channels``."""


class LogicalMarker:
    """Marks a field holding a key of ``channels`` (a logical channel, one per platform)."""


class TargetMarker:
    """Marks a field holding either a ``"#name"`` or a key of ``channels`` (a logical channel)."""


class RoleMarker:
    """Marks a field holding a role name that must be declared in ``roles``."""


IdText = Annotated[str, BeforeValidator(_id_text)]
Bool = Annotated[bool, BeforeValidator(_strict_bool)]
Duration = Annotated[timedelta, BeforeValidator(_duration), PlainSerializer(format_duration)]
ChannelName = Annotated[str, BeforeValidator(_channel_name), ChannelMarker()]
RoleName = Annotated[str, BeforeValidator(_role_name), RoleMarker()]
ChannelSpec = Annotated[str | dict[str, str], BeforeValidator(_channel_spec)]
LogicalChannel = Annotated[str, BeforeValidator(_logical_name), LogicalMarker()]
# where a cog posts: "#events" (that name on every platform) or "events" (a key of `channels`,
# which may name one channel per platform); ``community.channel(target, platform)`` reads both
ChannelTarget = Annotated[str, BeforeValidator(_channel_target), TargetMarker()]
