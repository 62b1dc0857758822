"""Channel, user-group and member lookups per workspace, cached with a time limit.

Config names (``#mod-log``, ``Moderators``) become ids here; mentions (``<#C1|x>``,
``<!subteam^S1|@mods>``, ``<@U1|bob>``) and raw ids are understood too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

ClientFor = Callable[[str], Awaitable[AsyncWebClient]]

_CHANNEL_MENTION = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP_MENTION = re.compile(r"<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{6,}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{6,}")


@dataclass
class Group:
    """A Slack user group."""

    id: str
    name: str
    handle: str
    users: frozenset[str] | None = None


@dataclass
class _Team:
    channels: dict[str, str] = field(default_factory=dict)  # name -> id
    channel_names: dict[str, str] = field(default_factory=dict)  # id -> name
    channels_at: float = -1e18
    groups: dict[str, Group] = field(default_factory=dict)  # id -> group
    groups_at: float = -1e18
    users: dict[str, tuple[float, dict[str, Any] | None]] = field(default_factory=dict)
    user_names: dict[str, str] = field(default_factory=dict)  # lower-case name -> id
    user_names_at: float = -1e18


class Directory:
    """Cached lookups; a miss refreshes at most every ``miss_refresh`` seconds."""

    def __init__(self, client_for: ClientFor, *, ttl: float = 300.0, user_ttl: float = 120.0,
                 miss_refresh: float = 15.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.client_for = client_for
        self.ttl = ttl
        self.user_ttl = user_ttl
        self.miss_refresh = miss_refresh
        self.clock = clock
        self._teams: dict[str, _Team] = {}

    def _team(self, team: str) -> _Team:
        return self._teams.setdefault(team, _Team())

    # -- channels ---------------------------------------------------------------------------

    async def channel_id(self, team: str, text: str) -> str | None:
        """A channel id from ``#name``, ``<#C..>`` or an id."""
        text = text.strip()
        if (m := _CHANNEL_MENTION.fullmatch(text)) is not None:
            return m.group(1)
        if not text.startswith("#") and _CHANNEL_ID.fullmatch(text):
            return text
        name = text.lstrip("#").lower()
        t = self._team(team)
        if self._stale(t.channels_at, self.ttl) or (name not in t.channels and
                                                    self._stale(t.channels_at, self.miss_refresh)):
            await self._load_channels(team)
        return t.channels.get(name)

    def channel_name(self, team: str, channel_id: str) -> str:
        """``#name`` of a channel already known, else empty."""
        name = self._team(team).channel_names.get(channel_id)
        return f"#{name}" if name else ""

    async def _load_channels(self, team: str) -> None:
        client = await self.client_for(team)
        t = self._team(team)
        channels: dict[str, str] = {}
        cursor: str | None = None
        while True:
            resp = await client.conversations_list(types="public_channel,private_channel",
                                                   exclude_archived=True, limit=1000, cursor=cursor)
            for c in resp.get("channels") or []:
                channels[str(c.get("name", "")).lower()] = str(c["id"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        t.channels = channels
        t.channel_names = {v: k for k, v in channels.items()}
        t.channels_at = self.clock()

    def learn_channel(self, team: str, channel_id: str, name: str | None) -> None:
        """A channel was created or renamed (its new name), or deleted or archived (None): known at once."""
        t = self._team(team)
        old = t.channel_names.pop(channel_id, None)
        if old is not None and t.channels.get(old) == channel_id:
            del t.channels[old]
        if name:
            t.channels[name.lower()] = channel_id
            t.channel_names[channel_id] = name.lower()

    def forget_channels(self, team: str) -> None:
        """Drop the channel cache (a channel was created, renamed or archived)."""
        self._team(team).channels_at = -1e18

    # -- user groups ------------------------------------------------------------------------

    async def group_id(self, team: str, text: str) -> str | None:
        """A user group id from its name, ``@handle``, ``<!subteam^S..>`` or an id."""
        text = text.strip()
        if (m := _GROUP_MENTION.fullmatch(text)) is not None:
            return m.group(1)
        key = text.lstrip("@").lower()
        groups = await self.groups(team, refresh_on_miss=key)
        for g in groups.values():
            if key in (g.name.lower(), g.handle.lower()) or g.id == text:
                return g.id
        return None

    async def groups(self, team: str, *, refresh_on_miss: str = "") -> dict[str, Group]:
        """Every user group of the workspace."""
        t = self._team(team)
        known = any(refresh_on_miss in (g.name.lower(), g.handle.lower()) for g in t.groups.values())
        if self._stale(t.groups_at, self.ttl) or (refresh_on_miss and not known and
                                                  self._stale(t.groups_at, self.miss_refresh)):
            client = await self.client_for(team)
            resp = await client.usergroups_list(include_users=True, include_disabled=False)
            groups = {}
            for g in resp.get("usergroups") or []:
                users = g.get("users")
                groups[str(g["id"])] = Group(str(g["id"]), str(g.get("name", "")), str(g.get("handle", "")),
                                             frozenset(users) if isinstance(users, list) else None)
            t.groups, t.groups_at = groups, self.clock()
        return t.groups

    async def groups_of(self, team: str, user_id: str) -> frozenset[str]:
        """The ids of the user groups a member is in."""
        groups = await self.groups(team)
        out = set()
        for g in groups.values():
            if g.users is None:
                client = await self.client_for(team)
                resp = await client.usergroups_users_list(usergroup=g.id)
                g.users = frozenset(resp.get("users") or [])
            if user_id in g.users:
                out.add(g.id)
        return frozenset(out)

    def learn_group(self, team: str, group: dict[str, Any]) -> None:
        """A user group as a ``subteam_*`` event carries it (its members when listed): known at once."""
        gid = str(group.get("id") or "")
        if not gid:
            return
        users = group.get("users")
        t = self._team(team)
        old = t.groups.get(gid)
        t.groups[gid] = Group(gid, str(group.get("name") or (old.name if old else "")),
                              str(group.get("handle") or (old.handle if old else "")),
                              frozenset(users) if isinstance(users, list) else None)

    def change_members(self, team: str, group_id: str, added: list[str], removed: list[str]) -> None:
        """``subteam_members_changed``: apply it to the cached members (a full reload follows anyway)."""
        g = self._team(team).groups.get(group_id)
        if g is not None and g.users is not None:
            g.users = (g.users | frozenset(added)) - frozenset(removed)

    def forget_groups(self, team: str) -> None:
        """Drop the user-group cache (a group or its members changed)."""
        self._team(team).groups_at = -1e18

    # -- members ----------------------------------------------------------------------------

    async def user(self, team: str, user_id: str) -> dict[str, Any] | None:
        """``users.info`` of a member, cached; None when Slack does not know them."""
        t = self._team(team)
        cached = t.users.get(user_id)
        if cached is not None and not self._stale(cached[0], self.user_ttl):
            return cached[1]
        from slack_sdk.errors import SlackApiError

        client = await self.client_for(team)
        try:
            resp = await client.users_info(user=user_id)
            info: dict[str, Any] | None = resp.get("user")
        except SlackApiError as exc:
            if exc.response.get("error") not in ("user_not_found", "user_not_visible"):
                raise
            info = None
        t.users[user_id] = (self.clock(), info)
        return info

    def forget_user(self, team: str, user_id: str) -> None:
        """Drop one member from the cache (their profile changed)."""
        self._team(team).users.pop(user_id, None)

    async def user_id(self, team: str, text: str) -> str | None:
        """A member id from ``<@U..|name>``, ``@name`` or an id."""
        text = text.strip()
        if (m := _USER_MENTION.fullmatch(text)) is not None:
            return m.group(1)
        if _USER_ID.fullmatch(text):
            return text
        name = text.lstrip("@").lower()
        if not name:
            return None
        t = self._team(team)
        if name not in t.user_names and self._stale(t.user_names_at, self.miss_refresh):
            await self._load_users(team)
        return t.user_names.get(name)

    async def _load_users(self, team: str) -> None:
        client = await self.client_for(team)
        t = self._team(team)
        names: dict[str, str] = {}
        cursor: str | None = None
        while True:
            resp = await client.users_list(limit=1000, cursor=cursor)
            for u in resp.get("members") or []:
                if u.get("deleted"):
                    continue
                profile = u.get("profile") or {}
                for key in (profile.get("display_name"), profile.get("real_name"), u.get("name")):
                    if key:
                        names.setdefault(str(key).lower(), str(u["id"]))
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        t.user_names, t.user_names_at = names, self.clock()

    def _stale(self, at: float, ttl: float) -> bool:
        return self.clock() - at > ttl
