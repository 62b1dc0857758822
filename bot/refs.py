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
        """The channel holding the message (one shared ref per channel: several cogs ask on every message,
        and building a frozen ref costs more than finding it)."""
        key = (self.platform, self.channel_id)
        ref = _CHANNELS.get(key)
        if ref is None:
            if len(_CHANNELS) >= _KEEP:  # DMs are channels too: start over rather than grow
                _CHANNELS.clear()
            ref = _CHANNELS[key] = ChannelRef(self.platform, self.channel_id)
        return ref


_CHANNELS: dict[tuple[str, str], ChannelRef] = {}  # immutable refs, so sharing one is safe
_KEEP = 10_000


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
