"""Platform-qualified references to users, channels, messages and roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.encodable import clean


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user on one platform."""

    platform: str
    id: str


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel (or DM conversation) on one platform."""

    platform: str
    id: str


@dataclass(frozen=True, slots=True)
class RoleRef:
    """A role (Discord) or user group (Slack) on one platform."""

    platform: str
    id: str


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message, addressed by its channel and its id."""

    platform: str
    channel_id: str
    id: str

    @property
    def channel(self) -> ChannelRef:
        """The channel holding the message."""
        return ChannelRef(self.platform, self.channel_id)


@dataclass(frozen=True, slots=True)
class MemberInfo:
    """What an adapter knows about a member of a community scope (guild or workspace)."""

    user: UserRef
    name: str
    display_name: str = ""
    roles: frozenset[RoleRef] = field(default_factory=frozenset)
    rank: int = 0
    is_owner: bool = False
    is_admin: bool = False
    is_bot: bool = False
    joined_at: datetime | None = None
    created_at: datetime | None = None
    timed_out_until: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("name", "display_name"):  # platform-supplied: make them encodable (lone surrogates)
            value = getattr(self, name)
            cleaned = clean(value)
            if cleaned is not value:
                object.__setattr__(self, name, cleaned)

    @property
    def label(self) -> str:
        """The name to show people."""
        return self.display_name or self.name
