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
    # reverse look-ups, asked by several cogs on every message: built from ``channels`` (filled once, when
    # names are resolved) and built again whenever that dict is another one or holds more or fewer names
    _index: tuple[int, int, dict[ChannelRef, str], dict[ChannelRef, list[str]]] | None = field(
        default=None, init=False, repr=False, compare=False)

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
        return list(self._indexes()[1].get(channel, ()))

    def channel_name(self, channel: ChannelRef) -> str | None:
        """The configured ``#name`` of a resolved channel, if it is one of ours."""
        return self._indexes()[0].get(channel)

    def _indexes(self) -> tuple[dict[ChannelRef, str], dict[ChannelRef, list[str]]]:
        index, channels = self._index, self.channels
        if index is not None and index[0] == id(channels) and index[1] == len(channels):
            return index[2], index[3]
        names: dict[ChannelRef, str] = {}
        for (platform, name), ref in channels.items():
            if platform == ref.platform:
                names.setdefault(ref, name)  # the first name, as the scan in order found it
        purposes: dict[ChannelRef, list[str]] = {}
        for purpose in self.config.channels:
            for platform in {p for p, _name in channels}:
                found = self.channel(purpose, platform)
                if found is not None and found.platform == platform:
                    purposes.setdefault(found, []).append(purpose)
        self._index = (id(channels), len(channels), names, purposes)
        return names, purposes

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
