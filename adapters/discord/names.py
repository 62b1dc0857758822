"""Channel, role and member names from the config and from commands → Discord ids, per guild.

Names resolved at start are remembered; when a guild's channels or roles change, they are
resolved again, so a recreated ``#mod-log`` is followed to its new id and a deleted one is
reported by name instead of failing silently.
"""

from __future__ import annotations

import logging
import re

import discord

log = logging.getLogger(__name__)
_CHANNEL = re.compile(r"^<#(\d{15,20})>$")
_ROLE = re.compile(r"^<@&(\d{15,20})>$")
_USER = re.compile(r"^<@!?(\d{15,20})>$")
_ID = re.compile(r"^\d{15,20}$")


def find_channel(guild: discord.Guild, text: str) -> discord.abc.GuildChannel | discord.Thread | None:
    """A channel or thread by ``#name``, ``<#id>`` or id."""
    text = text.strip()
    match = _CHANNEL.match(text) or _ID.match(text)
    if match is not None:
        return guild.get_channel_or_thread(int(match.group(1) if match.groups() else match.group(0)))
    name = text.removeprefix("#")
    candidates = [*guild.channels, *guild.threads]
    exact = [c for c in candidates if c.name == name and not isinstance(c, discord.CategoryChannel)]
    if exact:
        return exact[0]
    folded = [c for c in candidates if c.name.lower() == name.lower() and not isinstance(c, discord.CategoryChannel)]
    return folded[0] if folded else None


def find_role(guild: discord.Guild, text: str) -> discord.Role | None:
    """A role by name (case-insensitive when unambiguous), ``<@&id>`` or id."""
    text = text.strip()
    match = _ROLE.match(text) or _ID.match(text)
    if match is not None:
        return guild.get_role(int(match.group(1) if match.groups() else match.group(0)))
    name = text.removeprefix("@")
    exact = [r for r in guild.roles if r.name == name]
    if not exact:
        exact = [r for r in guild.roles if r.name.lower() == name.lower()]
    if len(exact) > 1:
        log.warning("discord server %s has %d roles named %r; using the highest", guild.id, len(exact), name)
    return max(exact, key=lambda r: r.position) if exact else None


def find_member(guild: discord.Guild, text: str) -> tuple[int | None, discord.Member | None]:
    """(user id, member) by ``<@id>``, id, or @name / display name; an id need not be a member (bans)."""
    text = text.strip()
    match = _USER.match(text) or _ID.match(text)
    if match is not None:
        user_id = int(match.group(1) if match.groups() else match.group(0))
        return user_id, guild.get_member(user_id)
    name = text.removeprefix("@").lower()
    for member in guild.members:
        if name in (member.name.lower(), member.display_name.lower(), (member.global_name or "").lower()):
            return member.id, member
    return None, None


class NameBook:
    """Config names resolved per guild, followed across guild updates."""

    def __init__(self) -> None:
        self.known: dict[int, dict[tuple[str, str], int]] = {}
        self.redirect: dict[int, int] = {}

    def record(self, guild_id: int, kind: str, name: str, found: int) -> None:
        """Remember a name resolved from the config (``kind`` is channel or role)."""
        self.known.setdefault(guild_id, {})[(kind, name)] = found

    def follow(self, snowflake: int) -> int:
        """The current id for one that was resolved from a name and has since been replaced."""
        return self.redirect.get(snowflake, snowflake)

    def refresh(self, guild: discord.Guild) -> list[str]:
        """Resolve the guild's names again; return the ones that no longer exist."""
        missing: list[str] = []
        for (kind, name), old in list(self.known.get(guild.id, {}).items()):
            found = find_channel(guild, name) if kind == "channel" else find_role(guild, name)
            if found is None:
                missing.append(f"Discord server {guild.name} ({guild.id}): no {kind} {name!r} any more")
                continue
            if found.id != old:
                log.info("discord server %s: %s %r is now %s (was %s)", guild.id, kind, name, found.id, old)
                self.redirect[old] = found.id
                self.known[guild.id][(kind, name)] = found.id
        for problem in missing:
            log.error("%s; actions that use it fail until it is back or the config changes", problem)
        return missing
