"""Every configured community, and which platform scope (server, workspace) belongs to which."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.community import Community
from bot.config.models import StewardConfig
from bot.platforms import Platforms


class CommunityBook:
    """Communities by name and by ``(platform, scope)``."""

    def __init__(self, by_name: dict[str, Community] | None = None,
                 scopes: dict[tuple[str, str], str] | None = None) -> None:
        self.by_name: dict[str, Community] = by_name or {}
        self.scopes: dict[tuple[str, str], str] = scopes or {}

    @classmethod
    def build(cls, config: StewardConfig, platforms: Platforms) -> CommunityBook:
        """One community per config entry, on every running platform whose adapter finds its scope."""
        by_name: dict[str, Community] = {}
        scopes: dict[tuple[str, str], str] = {}
        for cc in config.communities:
            community = Community(cc, ZoneInfo(cc.timezone or config.timezone))
            community.scopes.update(platforms.scopes_of(cc))
            for platform, scope in community.scopes.items():
                scopes[(platform, scope)] = cc.name
            by_name[cc.name] = community
        return cls(by_name, scopes)

    def community_for(self, platform: str, scope: str) -> Community | None:
        """The community a platform scope belongs to, if any."""
        name = self.scopes.get((platform, scope))
        return None if name is None else self.by_name.get(name)
