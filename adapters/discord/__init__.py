"""The Discord adapter: discord.py 2.x, slash commands, persistent components, moderation actions."""

from __future__ import annotations

import os
from collections.abc import Mapping

from adapters.discord.adapter import DiscordAdapter
from adapters.discord.settings import DiscordCommunity, DiscordSettings, ShardRange
from bot.config.models import StewardConfig
from bot.errors import StartupError

PLATFORM = "discord"
SETTINGS = DiscordSettings
COMMUNITY = DiscordCommunity  # a community's `discord:` section; its scope() is the server id
# Exported so a database that once ran Discord still opens when Discord is switched off.
MIGRATIONS = DiscordAdapter.migrations


def credentials(settings: DiscordSettings) -> tuple[bool, list[str]]:
    """(whether any credential is given, the ones still missing): Discord needs only its token."""
    given = bool(settings.token.strip())
    return given, [] if given else ["token"]


SHARD_COUNT_ENV, SHARD_IDS_ENV = "STEWARD_SHARD_COUNT", "STEWARD_SHARD_IDS"


def with_environment(settings: DiscordSettings, env: Mapping[str, str]) -> DiscordSettings:
    """The shards from ``STEWARD_SHARD_COUNT`` / ``STEWARD_SHARD_IDS`` when set (container replicas
    share one config file and differ only in their environment); they win over the config."""
    count_text, ids = env.get(SHARD_COUNT_ENV, "").strip(), env.get(SHARD_IDS_ENV, "").strip() or None
    if not count_text and ids is None:
        return settings
    if not count_text:
        if not isinstance(settings.shards, ShardRange):
            raise StartupError(f"{SHARD_IDS_ENV}={ids} needs a shard count: set {SHARD_COUNT_ENV} or "
                               "platforms.discord.shards.count")
        count = settings.shards.count
    elif not (count_text.isdecimal() and count_text.isascii() and len(count_text) <= 6):
        raise StartupError(f"{SHARD_COUNT_ENV}={count_text!r} is not a shard count")
    else:
        count = int(count_text)
    try:
        shards = ShardRange(count=count, ids=ids)
    except ValueError as exc:
        reason = exc.errors()[0]["msg"] if hasattr(exc, "errors") else str(exc)
        raise StartupError(f"{SHARD_COUNT_ENV}/{SHARD_IDS_ENV}: {reason}") from None
    return settings.model_copy(update={"shards": shards})


def create(settings: DiscordSettings, *, config: StewardConfig,
           env: Mapping[str, str] | None = None) -> DiscordAdapter | None:
    """The adapter, or None when no token is configured (Discord is then simply not started)."""
    if not credentials(settings)[0]:
        return None
    return DiscordAdapter(with_environment(settings, os.environ if env is None else env), config)


__all__ = ["COMMUNITY", "MIGRATIONS", "PLATFORM", "SETTINGS", "DiscordAdapter", "DiscordCommunity", "DiscordSettings",
           "ShardRange", "create", "credentials", "with_environment"]
