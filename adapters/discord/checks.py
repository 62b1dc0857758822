"""Permission and role-hierarchy checks made before every call, and the 403 circuit breaker."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import discord

# What Steward needs in each guild, and what stops working without it (start-up report, README).
PERMISSIONS: dict[str, str] = {
    "view_channel": "everything (Steward can't see the channels)",
    "send_messages": "replies, welcomes and the mod log",
    "send_messages_in_threads": "posting in threads",
    "embed_links": "link previews in announcements",
    "read_message_history": "replies to and reactions on earlier messages",
    "add_reactions": "reactions (polls, reaction prompts)",
    "manage_messages": "deleting rule-breaking messages and bulk delete",
    "manage_channels": "slowmode and channel lock",
    "manage_roles": "adding and removing roles, channel lock",
    "moderate_members": "timeouts",
    "kick_members": "kicks",
    "ban_members": "bans and unbans",
    "create_public_threads": "threads",
    "manage_events": "native Scheduled Events",
    "attach_files": "files sent with a message (.ics invites, charts, CSV exports)",
}


def required_permissions() -> discord.Permissions:
    """Exactly the permissions Steward asks for in its invite URL."""
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def missing_permissions(guild: discord.Guild) -> dict[str, str]:
    """Guild-wide permissions Steward lacks, with the features each one disables."""
    me = guild.me
    if me is None:
        return dict(PERMISSIONS)
    have = me.guild_permissions
    if have.administrator:
        return {}
    return {name: feature for name, feature in PERMISSIONS.items() if not getattr(have, name)}


def lacks(guild: discord.Guild, permission: str, channel: discord.abc.GuildChannel | None = None) -> str | None:
    """Why Steward can't use ``permission`` here, or None."""
    me = guild.me
    if me is None:
        return "Steward's own member is not in the cache yet"
    perms = channel.permissions_for(me) if channel is not None else me.guild_permissions
    if perms.administrator or getattr(perms, permission):
        return None
    where = f" in #{channel.name}" if channel is not None else ""
    label = permission.replace("_", " ").title()
    return f"Steward lacks the {label} permission{where} ({PERMISSIONS.get(permission, permission)})"


def hierarchy(guild: discord.Guild, target: discord.Member) -> str | None:
    """Why Steward may not act on ``target`` (owner, itself, role order), or None."""
    me = guild.me
    if me is None:
        return "Steward's own member is not in the cache yet"
    if target.id == me.id:
        return "Steward can't act on itself"
    if target.id == guild.owner_id:
        return f"{target.display_name} owns the server and can't be moderated"
    if target.top_role >= me.top_role:
        return (f"{target.display_name}'s highest role ({target.top_role.name}) is not below Steward's "
                f"({me.top_role.name}); move Steward's role up in Server Settings → Roles")
    return None


def role_hierarchy(guild: discord.Guild, role: discord.Role) -> str | None:
    """Why Steward can't give or take ``role``, or None."""
    me = guild.me
    if me is None:
        return "Steward's own member is not in the cache yet"
    if role.managed or role.is_default():
        return f"the role {role.name} is managed by Discord or an integration"
    if role >= me.top_role:
        return f"the role {role.name} is not below Steward's highest role ({me.top_role.name})"
    return None


@dataclass
class _GuildState:
    failures: int = 0
    open_until: float = 0.0
    alerted: bool = False


@dataclass
class Breaker:
    """Stops calls to a guild after ``threshold`` 403s in a row, for ``cooldown`` seconds."""

    threshold: int
    cooldown: float
    clock: Callable[[], float] = time.monotonic
    _guilds: dict[int, _GuildState] = field(default_factory=dict)

    def is_open(self, guild_id: int) -> bool:
        """True while calls to the guild are paused."""
        state = self._guilds.get(guild_id)
        return state is not None and state.open_until > self.clock()

    def success(self, guild_id: int) -> None:
        """A call went through: the guild is healthy again."""
        state = self._guilds.get(guild_id)
        if state is not None:
            state.failures = 0
            if state.open_until <= self.clock():
                state.alerted = False

    def forbidden(self, guild_id: int) -> bool:
        """Record a 403; True exactly once when the breaker opens (time to alert the moderators)."""
        state = self._guilds.setdefault(guild_id, _GuildState())
        state.failures += 1
        if state.failures < self.threshold:
            return False
        state.open_until = self.clock() + self.cooldown
        state.failures = 0
        if state.alerted:
            return False
        state.alerted = True
        return True
