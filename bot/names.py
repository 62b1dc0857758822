"""Resolve the channel and role names of the config (``#mod-log``, ``Moderators``) on each platform."""

from __future__ import annotations

from collections.abc import Iterable

from bot.community import Community
from bot.errors import StartupError
from bot.platforms import Platforms


async def resolve_names(communities: Iterable[Community], platforms: Platforms) -> None:
    """Fill each community's channels and roles; every name not found is listed in one StartupError."""
    problems: list[str] = []
    for community in communities:
        for platform, scope in community.scopes.items():
            adapter = platforms.resolver(platform)
            where = f"{platform} {scope} (community {community.name})"
            for name in sorted(community.config.channel_names(platform)):
                ref = await adapter.resolve_channel(scope, name)
                if ref is None:
                    problems.append(f"{where}: no channel {name}")
                else:
                    community.channels[(platform, name)] = ref
            for name in sorted(community.config.role_names()):
                role = await adapter.resolve_role(scope, name)
                if role is None:
                    problems.append(f"{where}: no role {name!r}")
                else:
                    community.roles[(platform, name)] = role
    if problems:
        raise StartupError("names in the config were not found:\n  " + "\n  ".join(problems))
