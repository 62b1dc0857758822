"""The discord.py client Steward runs: intents, sharding, and listeners that hand events to the adapter."""

from __future__ import annotations

from typing import Any, Protocol

import discord

from adapters.discord.settings import DiscordSettings, ShardRange


class Listener(Protocol):
    """What the client hands discord.py's events to (the adapter)."""

    def ready(self) -> None: ...

    def on_message(self, message: discord.Message) -> None: ...

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None: ...

    async def on_delete(self, payload: discord.RawMessageDeleteEvent) -> None: ...

    async def on_join(self, member: discord.Member) -> None: ...

    async def on_leave(self, payload: discord.RawMemberRemoveEvent) -> None: ...

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None: ...

    async def on_reaction(self, payload: discord.RawReactionActionEvent) -> None: ...

    async def on_interaction(self, interaction: discord.Interaction) -> None: ...

    async def on_interest(self, event: discord.ScheduledEvent, user: discord.User, interested: bool) -> None: ...

    def guild_changed(self, guild: discord.Guild) -> None: ...


def intents(settings: DiscordSettings) -> discord.Intents:
    """Guilds, members, messages, message content, reactions, moderation and scheduled events
    (GUILD_SCHEDULED_EVENTS: their create/update/delete and members' interest in them)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.members = settings.members
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = settings.message_content
    wanted.guild_reactions = True
    wanted.dm_reactions = True
    wanted.moderation = True
    wanted.guild_scheduled_events = True
    return wanted


class _Listeners:
    """discord.py calls ``on_<event>``; each forwards to the adapter, which translates and emits."""

    steward: Listener

    async def on_ready(self) -> None:
        self.steward.ready()

    def dispatch(self, event: str, /, *args: Any, **kwargs: Any) -> None:
        super().dispatch(event, *args, **kwargs)  # type: ignore[misc]
        if event == "message":
            # Translate now, while discord.py parses: an edit parsed right after mutates the cached
            # Message before an on_message task would run, and the post would be checked as edited.
            self.steward.on_message(args[0])

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.steward.on_edit(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.steward.on_delete(payload)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.steward.on_join(member)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.steward.on_leave(payload)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        await self.steward.on_member_update(before, after)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.steward.on_reaction(payload)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.steward.on_interaction(interaction)

    # GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE (the guild_scheduled_events intent). discord.py hands
    # them on only for an event and a user it has cached: the events come with GUILD_CREATE and
    # GUILD_SCHEDULED_EVENT_CREATE, the users with the members intent's chunking (see the adapter).
    async def on_scheduled_event_user_add(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self.steward.on_interest(event, user, True)

    async def on_scheduled_event_user_remove(self, event: discord.ScheduledEvent, user: discord.User) -> None:
        await self.steward.on_interest(event, user, False)

    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        self.steward.guild_changed(channel.guild)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        self.steward.guild_changed(channel.guild)

    async def on_guild_channel_update(self, before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        self.steward.guild_changed(after.guild)

    async def on_guild_role_create(self, role: discord.Role) -> None:
        self.steward.guild_changed(role.guild)

    async def on_guild_role_delete(self, role: discord.Role) -> None:
        self.steward.guild_changed(role.guild)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        self.steward.guild_changed(after.guild)


class StewardClient(_Listeners, discord.Client):
    """One gateway connection (small and medium bots)."""


class StewardShardedClient(_Listeners, discord.AutoShardedClient):
    """Several shards in one process (``shards: auto`` or a count)."""


def make_client(settings: DiscordSettings, listener: Listener, *, http_trace: Any = None) -> discord.Client:
    """The client for these settings, handing its events to ``listener``."""
    kwargs: dict[str, Any] = {
        "intents": intents(settings),
        "allowed_mentions": discord.AllowedMentions.none(),
        "chunk_guilds_at_startup": settings.members,
        "guild_ready_timeout": settings.guild_ready_timeout,
        "max_messages": 5000,
        # discord.py waits out short limits inside one call, holding the bucket (and every call
        # during a global limit); a longer one comes back as RateLimited so the outbox holds that
        # channel and retries past the storm instead of a call sleeping with its lane blocked
        "max_ratelimit_timeout": 30.0,
    }
    if http_trace is not None:  # adapters.discord.limits: the global limit seen on every request
        kwargs["http_trace"] = http_trace
    client: discord.Client
    if settings.shards is None:
        client = StewardClient(**kwargs)
    elif settings.shards == "auto":
        client = StewardShardedClient(**kwargs)
    elif isinstance(settings.shards, ShardRange):  # this process's part of the shards
        client = StewardShardedClient(shard_count=settings.shards.count, shard_ids=settings.shards.shard_ids(),
                                      **kwargs)
    else:
        client = StewardShardedClient(shard_count=int(settings.shards), **kwargs)
    client.steward = listener
    return client
