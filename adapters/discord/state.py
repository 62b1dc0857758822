"""What the Discord adapter's parts share: settings, the configured servers, the client once
connected, the name book and the stores. Its parts receive this, never the adapter itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import discord

from adapters.discord import names
from adapters.discord.commands import slug
from adapters.discord.limits import GlobalLimit
from adapters.discord.settings import DiscordSettings
from adapters.discord.store import LockStore, SyncStore
from bot.commands import CommandSpec
from bot.config.models import CommunityConfig
from bot.content import CommandMention

GLOBAL = "global"  # the key of the global (DM) commands; guild keys are ids


class State:
    """The adapter's shared state and the lookups on it."""

    def __init__(self, settings: DiscordSettings, communities: dict[str, CommunityConfig]) -> None:
        self.settings = settings
        self.communities = communities  # guild id -> community
        self.client: discord.Client = None  # type: ignore[assignment]  # set when the adapter starts
        self.names = names.NameBook()
        self.specs: dict[str, list[CommandSpec]] = {}  # published commands by guild
        self.command_ids: dict[str, dict[str, str]] = {}  # guild id (or "global") -> command name -> its id
        self.sync = SyncStore()
        self.locks = LockStore()
        self.limit = GlobalLimit()  # Discord's global rate limit, read from every response

    def remember_commands(self, key: str, published: Any) -> None:
        """The ids Discord gave the commands of a guild (or the global ones)."""
        self.command_ids[key] = {str(c["name"]): str(c["id"]) for c in published or []
                                 if isinstance(c, dict) and "id" in c and "name" in c}

    def spell(self, key: str) -> Callable[[CommandMention], str]:
        """How a command mention reads in that guild: ``</name:id>`` (clickable) when Discord gave it an id."""
        ids = self.command_ids.get(key, {})

        def spelled(mention: CommandMention) -> str:
            # Steward's own words (command names and usage), so trusted markup like the rest of its text
            found = ids.get(slug(mention.name))
            if found is None:
                return mention.plain()
            return f"</{slug(mention.name)}:{found}>" + (f" {mention.args}" if mention.args else "")
        return spelled

    def guild(self, scope: str) -> discord.Guild | None:
        """A configured guild Steward is in, by scope."""
        if self.client is None or not scope.isdigit():
            return None
        return self.client.get_guild(int(scope))

    def dm_scope(self, user_id: int) -> str | None:
        """The configured guild a DM belongs to: one the user shares with Steward, or the only one."""
        for guild_id in self.communities:
            guild = self.guild(guild_id)
            if guild is not None and guild.get_member(user_id) is not None:
                return guild_id
        return next(iter(self.communities)) if len(self.communities) == 1 else None

    def channel_id(self, channel: str) -> int:
        """A channel id, followed if its configured name now points elsewhere."""
        return self.names.follow(int(channel))

    def role_id(self, role: str) -> int:
        """A role id, followed if its configured name now points elsewhere."""
        return self.names.follow(int(role))

    def community_of(self, guild: discord.Guild) -> CommunityConfig | None:
        """The community configured for a guild."""
        return self.communities.get(str(guild.id))

    def staff_roles(self, guild: discord.Guild, purposes: Sequence[str] = ("moderator", "admin")) -> list[discord.Role]:
        """The guild's configured moderator/admin roles."""
        cc = self.community_of(guild)
        if cc is None:
            return []
        found = [names.find_role(guild, n) for p in purposes for n in cc.roles.get(p, [])]
        return [r for r in found if r is not None]

    def modlog_channel(self, guild: discord.Guild) -> int | None:
        """The guild's configured mod-log channel id."""
        cc = self.community_of(guild)
        name = cc.channels.get("modlog") if cc is not None else None
        channel = names.find_channel(guild, name) if name else None
        return None if channel is None else channel.id
