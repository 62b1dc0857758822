"""The Discord adapter: discord.py 2.x, slash commands, persistent components, moderation actions."""

from __future__ import annotations

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.settings import DiscordCommunity, DiscordSettings
from bot.config.models import StewardConfig

PLATFORM = "discord"
SETTINGS = DiscordSettings
COMMUNITY = DiscordCommunity  # a community's `discord:` section; its scope() is the server id
# Exported so a database that once ran Discord still opens when Discord is switched off.
MIGRATIONS = DiscordAdapter.migrations


def credentials(settings: DiscordSettings) -> tuple[bool, list[str]]:
    """(whether any credential is given, the ones still missing): Discord needs only its token."""
    given = bool(settings.token.strip())
    return given, [] if given else ["token"]


def create(settings: DiscordSettings, *, config: StewardConfig) -> DiscordAdapter | None:
    """The adapter, or None when no token is configured (Discord is then simply not started)."""
    if not credentials(settings)[0]:
        return None
    return DiscordAdapter(settings, config)


__all__ = ["COMMUNITY", "MIGRATIONS", "PLATFORM", "SETTINGS", "DiscordAdapter", "DiscordCommunity", "DiscordSettings",
           "create", "credentials"]
