"""The core config models; each cog and each adapter adds its own section model."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, create_model, field_validator

from bot.config.types import ChannelSpec, Duration, PlatformSection, RoleName, StrictModel

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_timezone(value: str) -> str:
    """Validate an IANA time zone name."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone `{value}` (use an IANA name such as Europe/Berlin)") from None
    return value


class StorageConfig(StrictModel):
    """Where Steward keeps its data."""

    url: str = "sqlite+aiosqlite:///data/steward.db"

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path.db or postgresql+asyncpg://user:pass@host/db")
        return value


class SchedulerConfig(StrictModel):
    """How scheduled work behaves after downtime."""

    late_grace: Duration = timedelta(hours=6)


class OperationsConfig(StrictModel):
    """The operations endpoint (off unless the section is present): ``/metrics``, ``/healthz``, ``/report``."""

    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)  # 0: any free port (tests)
    # the bearer token ``/report`` wants; write ``${STEWARD_REPORT_TOKEN:-}`` so it comes from the environment.
    # Empty: the pages behind it are refused.
    report_token: str = Field(default="", repr=False)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value.strip() or any(c.isspace() for c in value) or "/" in value:
            raise ValueError("a host is an address or name to listen on, e.g. 127.0.0.1 or 0.0.0.0")
        return value

    @field_validator("report_token")
    @classmethod
    def _token(cls, value: str) -> str:
        if value and (len(value) < 16 or not value.isascii() or any(c.isspace() for c in value)):
            raise ValueError("the report token is at least 16 ASCII characters without spaces "
                             "(e.g. from `openssl rand -hex 24`)")
        return value


class CommandLimits(StrictModel):
    """A per-member command rate limit."""

    per_member: int = Field(default=5, ge=1, le=100)
    window: Duration = timedelta(seconds=10)


class CommunityConfig(StrictModel):
    """One community, possibly on several platforms; cog sections are added per cog."""

    name: str
    timezone: str | None = None
    roles: dict[str, list[RoleName]] = Field(default_factory=dict)
    # purpose -> "#name" (the same name on every platform) or {platform: "#name"} (a logical channel
    # whose channel differs per platform; a platform it doesn't name doesn't have it)
    channels: dict[str, ChannelSpec] = Field(default_factory=dict)
    commands: CommandLimits = CommandLimits()

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError("a community name is lower-case letters, digits, - or _ (max 40)")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    def channel_on(self, purpose: str, platform: str) -> str | None:
        """The ``#name`` a purpose (``modlog``, ``lounge``) has on one platform, if any."""
        spec = self.channels.get(purpose)
        if spec is None or isinstance(spec, str):
            return spec
        return spec.get(platform)

    def channel_names(self, platform: str | None = None) -> set[str]:
        """Every channel name declared, or those that exist on one platform."""
        names: set[str] = set()
        for spec in self.channels.values():
            if isinstance(spec, str):
                names.add(spec)
            elif platform is None:
                names.update(spec.values())
            elif platform in spec:
                names.add(spec[platform])
        return names

    def per_platform(self) -> dict[str, dict[str, str]]:
        """The purposes mapped per platform (``{lounge: {discord: "#lounge", slack: "#lounge"}}``)."""
        return {k: v for k, v in self.channels.items() if isinstance(v, dict)}

    def role_names(self) -> set[str]:
        """Every role name declared by the community."""
        return {name for names in self.roles.values() for name in names}

    def cog_sections(self) -> dict[str, BaseModel]:
        """The cog sections present, by cog name."""
        return {name: value for name, value in self._sections().items() if not isinstance(value, PlatformSection)}

    def platform_sections(self) -> dict[str, PlatformSection]:
        """The platform sections present (``discord: {guild: ...}``), by platform name."""
        return {name: value for name, value in self._sections().items() if isinstance(value, PlatformSection)}

    def scope_on(self, platform: str) -> str | None:
        """The community's scope (server, workspace) on a platform, read by that platform's section."""
        section = self.platform_sections().get(platform)
        return None if section is None else section.scope()

    def _sections(self) -> dict[str, BaseModel]:
        core = set(CommunityConfig.model_fields)
        return {name: value for name in type(self).model_fields
                if name not in core and (value := getattr(self, name)) is not None}


class StewardConfig(StrictModel):
    """The whole file; ``platforms`` and community cog sections are typed per build."""

    storage: StorageConfig = StorageConfig()
    timezone: str = "UTC"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    scheduler: SchedulerConfig = SchedulerConfig()
    operations: OperationsConfig | None = None  # off by default
    platforms: Any = None
    communities: list[CommunityConfig] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)

    def community(self, name: str) -> CommunityConfig:
        """A community by name."""
        for community in self.communities:
            if community.name == name:
                return community
        raise KeyError(name)

    def platform_settings(self) -> dict[str, BaseModel]:
        """The platform sections present, by platform name."""
        if self.platforms is None:
            return {}
        return {name: getattr(self.platforms, name) for name in type(self.platforms).model_fields
                if getattr(self.platforms, name) is not None}


def build_models(cogs: Mapping[str, type[BaseModel]], platforms: Mapping[str, type[BaseModel]],
                 sections: Mapping[str, type[PlatformSection]] | None = None) -> type[StewardConfig]:
    """The config model for this build: one optional section per known cog and platform.

    ``sections``: each platform's model of its part of a community (``discord: {guild: ...}``).
    """
    sections = dict(sections or {})
    clash = set(cogs) & set(sections)
    if clash:
        raise ValueError(f"a cog and a platform both claim the community section {', '.join(sorted(clash))}")
    community_fields: dict[str, Any] = {name: (model | None, None) for name, model in {**cogs, **sections}.items()}
    community = create_model("Community", __base__=CommunityConfig, **community_fields)
    platform_fields: dict[str, Any] = {name: (model | None, None) for name, model in platforms.items()}
    platforms_model = create_model("Platforms", __base__=StrictModel, **platform_fields)
    return create_model(
        "Config", __base__=StewardConfig,
        platforms=(platforms_model, platforms_model()),
        communities=(list[community], Field(min_length=1)),  # type: ignore[valid-type]
    )
