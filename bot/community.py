"""A community at run time: its config, time zone, platform scopes and resolved names."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.config.models import CommunityConfig
from bot.permissions import Level
from bot.refs import ChannelRef, MemberInfo, RoleRef


@dataclass
class Community:
    """One community, possibly on several platforms at once."""

    config: CommunityConfig
    tz: ZoneInfo
    scopes: dict[str, str] = field(default_factory=dict)
    channels: dict[tuple[str, str], ChannelRef] = field(default_factory=dict)
    roles: dict[tuple[str, str], RoleRef] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The community's name from the config."""
        return self.config.name

    def channel(self, purpose_or_name: str, platform: str) -> ChannelRef | None:
        """A channel by purpose (``modlog``) or by name (``#mod-log``) on one platform."""
        name = purpose_or_name if purpose_or_name.startswith("#") else self.config.channel_on(purpose_or_name, platform)
        return None if name is None else self.channels.get((platform, name))

    def logical(self, purpose: str) -> dict[str, ChannelRef]:
        """A purpose's channel on each platform it resolved on, by platform name."""
        platforms = sorted({p for p, _name in self.channels})
        return {p: ref for p in platforms if (ref := self.channel(purpose, p)) is not None}

    def purposes_of(self, channel: ChannelRef) -> list[str]:
        """The purposes (``channels`` keys) that name this channel on its platform."""
        return [purpose for purpose in self.config.channels
                if self.channel(purpose, channel.platform) == channel]

    def channel_name(self, channel: ChannelRef) -> str | None:
        """The configured ``#name`` of a resolved channel, if it is one of ours."""
        for (platform, name), ref in self.channels.items():
            if ref == channel and platform == channel.platform:
                return name
        return None

    def role(self, name: str, platform: str) -> RoleRef | None:
        """A configured role by name on one platform."""
        return self.roles.get((platform, name))

    def roles_for(self, purpose: str, platform: str) -> set[RoleRef]:
        """The resolved roles of a purpose (``moderator``, ``admin``, ...) on one platform."""
        names = self.config.roles.get(purpose, [])
        return {ref for n in names if (ref := self.roles.get((platform, n))) is not None}

    def level_of(self, member: MemberInfo | None) -> Level:
        """The permission level a member has here."""
        if member is None:
            return Level.MEMBER
        platform = member.user.platform
        if member.is_owner or member.is_admin or member.roles & self.roles_for("admin", platform):
            return Level.ADMIN
        if member.roles & self.roles_for("moderator", platform):
            return Level.MODERATOR
        return Level.MEMBER
