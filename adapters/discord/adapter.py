"""The Discord adapter: the Adapter protocol on top of discord.py, with a start-up self-check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import discord

from adapters.discord import checks, names, translate
from adapters.discord.client import make_client
from adapters.discord.commands import digest, direct_payloads, payloads
from adapters.discord.components import Interactions
from adapters.discord.perform import Performer, nonce_of
from adapters.discord.settings import DiscordSettings, ShardRange
from adapters.discord.state import GLOBAL, State
from bot.actions import Action, ActionResult
from bot.adapter import EventSink
from bot.capabilities import Capability
from bot.commands import CommandSpec
from bot.config.models import CommunityConfig, StewardConfig
from bot.errors import StartupError
from bot.events import Event
from bot.partitions import format_ranges, shard_of, shard_partition
from bot.refs import ChannelRef, MemberInfo, RoleRef, UserRef
from bot.storage.database import Database

log = logging.getLogger(__name__)
P = translate.P
_INTENT_LOSS = {
    "Message Content Intent": "Without it moderation rules can't read messages, and Steward refuses to run "
                              "them blind.",
    "Server Members Intent": "Without it joins, leaves, the name check, raid protection and role checks stop "
                             "working, and interest marked on a native Scheduled Event is not counted.",
}
_NO_MEMBERS_INTEREST = ("Server Members intent off (platforms.discord.members: false): interest marked on a "
                        "native Scheduled Event counts as Maybe only for members Steward has already seen")
_TEXT_TYPES = (discord.MessageType.default, discord.MessageType.reply, discord.MessageType.thread_starter_message)


class DiscordAdapter:
    """Steward on Discord: one bot application, any number of configured servers (guilds)."""

    platform = P
    migrations = Path(__file__).parent / "migrations" / "versions"
    # Discord sends a server's events to its one shard session, and a replay after a resume to the
    # same session: the in-memory de-duplication suffices, no claim in PostgreSQL (bot.relay)
    events_reach_one_process = True

    def __init__(self, settings: DiscordSettings, config: StewardConfig) -> None:
        self.settings = settings
        self.state = State(settings, {guild: cc for cc in config.communities
                                      if (guild := self.scope_of(cc)) is not None})
        self.communities = self.state.communities
        self.partitioned = {guild: cc.name for cc in config.communities if (guild := cc.scope_on(P)) is not None}
        self.names = self.state.names
        self.bot_user: UserRef | None = None
        self.interactions = Interactions(self.state, self.emit)
        self.performer = Performer(self.state, self.interactions.answer)
        self.capabilities = self.performer.table.capabilities()
        self.report: list[str] = []  # the start-up self-check's findings, for people and tests
        self._sink: EventSink | None = None
        self._ready: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def edit_window(self) -> float:
        """Edits of one message this close together collapse into the latest (:mod:`bot.outbox.coalesce`)."""
        return self.settings.edit_window_seconds

    @property
    def client(self) -> discord.Client:
        """The discord.py client (built by :meth:`start`)."""
        return self.state.client

    # -- life cycle ---------------------------------------------------------------------------

    def scope_of(self, community: CommunityConfig) -> str | None:
        """The community's server id, from its ``discord:`` section; None for a server on a shard
        another process runs (its events never reach this one; :mod:`bot.partitions`)."""
        guild = community.scope_on(P)
        plan = self.shard_ids()
        if guild is None or plan is None or not guild.isdecimal():
            return guild
        return guild if shard_of(int(guild), plan[0]) in plan[1] else None

    def shard_ids(self) -> tuple[int, list[int]] | None:
        """(shard count, the shards this process runs) when the config splits them; else None."""
        shards = self.settings.shards
        return (shards.count, shards.shard_ids()) if isinstance(shards, ShardRange) else None

    def partitions(self) -> list[str]:
        """The partitions (see :mod:`bot.partitions`) this process holds: its Discord shards."""
        plan = self.shard_ids()
        return [] if plan is None else [shard_partition(i) for i in plan[1]]

    def partition_of(self, community: CommunityConfig) -> str | None:
        """The shard a community's server lives on, when the shards are split between processes."""
        plan, guild = self.shard_ids(), community.scope_on(P)
        if plan is None or guild is None or not guild.isdecimal():
            return None
        return shard_partition(shard_of(int(guild), plan[0]))

    def describe_shards(self) -> str:
        """For the start-up log and ``steward status``: which shards run here."""
        plan = self.shard_ids()
        if plan is None:
            shards = self.settings.shards
            return "one gateway connection" if shards is None else f"shards: {shards}, all in this process"
        count, ids = plan
        return f"shards {format_ranges(ids)} of {count}"

    async def attach_storage(self, db: Database) -> None:
        """Keep the published-commands digest and pre-lock permissions in Steward's database."""
        self.state.sync.db = db
        self.state.locks.db = db

    async def start(self, sink: EventSink) -> None:
        """Log in, connect, wait for the guilds, then check intents, guilds and permissions."""
        if not self.partitioned:
            raise StartupError("platforms.discord.token is set but no community names its Discord server: add "
                               "`discord: {guild: \"<server id>\"}` to a community (README → Discord)")
        self._sink = sink
        self._ready = asyncio.Event()
        self.state.client = make_client(self.settings, self, http_trace=self.state.limit.trace())
        try:
            await self.client.login(self.settings.token)
        except discord.LoginFailure:
            await self.client.close()
            raise StartupError("Discord rejected the bot token (platforms.discord.token): reset it in the "
                               "Developer Portal → your application → Bot → Reset Token") from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            await self.client.close()
            raise StartupError(f"can't reach Discord to log in: {exc}") from None
        assert self.client.user is not None
        self.bot_user = translate.user_ref(self.client.user)
        self._runner = asyncio.create_task(self.client.connect(reconnect=True))
        waiter = asyncio.create_task(self._ready.wait())
        timeout = self.settings.ready_timeout.total_seconds()
        done, _ = await asyncio.wait({self._runner, waiter}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            error = self._runner.exception() if self._runner in done else None
            await self.stop()
            if error is not None:
                raise StartupError(self._explain(error)) from None
            raise StartupError(f"Discord did not report ready within {int(timeout)} s "
                               "(platforms.discord.ready_timeout); check the network and Discord's status")
        guilds = sorted(str(g.id) for g in self.client.guilds)
        log.info("discord: running %s; servers here: %s", self.describe_shards(), ",".join(guilds) or "none")
        self._self_check()

    async def stop(self) -> None:
        """Close the gateway and the HTTP session."""
        if self.client is not None and not self.client.is_closed():
            await self.client.close()
        if self._runner is not None:
            try:
                await asyncio.wait_for(self._runner, timeout=5)
            except (Exception, asyncio.CancelledError):
                log.debug("discord client stopped", exc_info=True)
            self._runner = None

    def ready(self) -> None:
        """discord.py's READY: every guild has arrived (and been chunked)."""
        if self._ready is not None:
            self._ready.set()

    def explain_missing(self, capability: Capability) -> str:
        """What an admin does to give Steward a capability this adapter lacks."""
        if capability is Capability.READ_MESSAGES:
            return ("platforms.discord.message_content is false, so every message would arrive empty and pass "
                    "every rule; Steward refuses to run them blind. Enable the Message Content intent "
                    "(Developer Portal → Bot → Privileged Gateway Intents) and set message_content: true")
        return f"Discord does not let Steward {capability.value}"

    def _explain(self, error: BaseException) -> str:
        if isinstance(error, discord.PrivilegedIntentsRequired):
            return self._intents_message()
        if isinstance(error, discord.ConnectionClosed) and error.code == 4004:
            return "Discord rejected the bot token at the gateway (platforms.discord.token)"
        return f"Discord connection failed: {type(error).__name__}: {error}"

    def _intents_message(self) -> str:
        requested = [n for n, on in (("Server Members Intent", self.settings.members),
                                     ("Message Content Intent", self.settings.message_content)) if on]
        missing = self.missing_intents() or requested
        app = self.client.application_id
        return (f"Discord refused the connection: privileged intent(s) not enabled for this bot: "
                f"{', '.join(missing)}. Enable them at https://discord.com/developers/applications/{app}/bot → "
                "Privileged Gateway Intents, then start Steward again. "
                + " ".join(_INTENT_LOSS[name] for name in missing))

    def missing_intents(self) -> list[str]:
        """Privileged intents Steward asks for that the application's flags say are off."""
        flags = self.client.application_flags
        out = []
        if self.settings.members and not (flags.gateway_guild_members or flags.gateway_guild_members_limited):
            out.append("Server Members Intent")
        if self.settings.message_content and not (flags.gateway_message_content
                                                  or flags.gateway_message_content_limited):
            out.append("Message Content Intent")
        return out

    def _self_check(self) -> None:
        problems = []
        for guild_id, cc in self.communities.items():
            guild = self.client.get_guild(int(guild_id)) if guild_id.isdigit() else None
            if guild is None:
                problems.append(f"Steward is not in the Discord server {guild_id} (community {cc.name}); "
                                f"invite it with {self.invite_url()}")
                continue
            for permission, feature in checks.missing_permissions(guild).items():
                line = (f"Discord server {guild.name} ({guild.id}, community {cc.name}): missing permission "
                        f"{permission.replace('_', ' ').title()} — disables {feature}")
                self.report.append(line)
                log.warning("%s", line)
        if not self.settings.message_content:
            self.report.append("Message Content intent off: messages arrive without text")
            log.warning("discord: Message Content intent off: messages arrive without text")
        if not self.settings.members:  # discord.py drops GUILD_SCHEDULED_EVENT_USER_ADD for users it hasn't cached
            self.report.append(_NO_MEMBERS_INTEREST)
            log.warning("discord: %s", _NO_MEMBERS_INTEREST)
        if problems:
            raise StartupError("\n  ".join(problems))

    def invite_url(self) -> str:
        """The OAuth2 URL that adds Steward with exactly the permissions it needs."""
        return (f"https://discord.com/oauth2/authorize?client_id={self.client.application_id}"
                f"&scope=bot+applications.commands&permissions={checks.required_permissions().value}")

    # -- inbound ------------------------------------------------------------------------------

    async def emit(self, event: Event) -> None:
        """Hand an event to the core; a handler's failure never reaches discord.py."""
        if self._sink is None:
            return
        try:
            await self._sink(event)
        except Exception:
            log.exception("handling %s failed", type(event).__name__)

    def _ignored(self, user: discord.abc.User | None, is_webhook: bool = False) -> bool:
        # Steward's own events are dropped by the core (bot_user), like every platform's; this is
        # only the platform's setting about other bots and webhooks.
        if user is None:
            return True
        return self.settings.ignore_bots and (user.bot or is_webhook)

    def _scope(self, guild_id: int | None, user_id: int) -> str | None:
        return str(guild_id) if guild_id else self.state.dm_scope(user_id)

    def on_message(self, message: discord.Message) -> None:
        """MESSAGE_CREATE, translated synchronously (see the client's ``dispatch``) and emitted in a task."""
        if self._ignored(message.author, message.webhook_id is not None) or message.type not in _TEXT_TYPES:
            return
        scope = self._scope(message.guild.id if message.guild else None, message.author.id)
        if scope is not None:
            self._spawn(self.emit(translate.posted(message, scope)))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        message = payload.message
        if self._ignored(message.author, message.webhook_id is not None):
            return
        scope = self._scope(payload.guild_id, message.author.id)
        event = translate.edited(payload, scope) if scope is not None else None
        if event is not None:
            await self.emit(event)

    async def on_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self.emit(translate.deleted(payload, str(payload.guild_id)))

    async def on_join(self, member: discord.Member) -> None:
        await self.emit(translate.joined(member))

    async def on_leave(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.emit(translate.left(payload))

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        event = translate.updated(before, after)
        if event is not None:
            await self.emit(event)

    async def on_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self.settings.ignore_bots and payload.member is not None and payload.member.bot:
            return
        scope = self._scope(payload.guild_id, payload.user_id)
        if scope is not None:
            await self.emit(translate.reacted(payload, scope))

    async def on_interest(self, event: discord.ScheduledEvent, user: discord.User, interested: bool) -> None:
        """GUILD_SCHEDULED_EVENT_USER_ADD / _REMOVE: interest in a native Scheduled Event."""
        if not self._ignored(user) and event.guild_id is not None:
            await self.emit(translate.interest(event, user, interested))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """INTERACTION_CREATE: commands, autocomplete, presses and modal submits."""
        await self.interactions.handle(interaction)

    def guild_changed(self, guild: discord.Guild) -> None:
        """Channels or roles changed: follow the configured names to their current ids."""
        self.state.names.refresh(guild)

    # -- actions and commands -----------------------------------------------------------------

    async def perform(self, action: Action) -> ActionResult:
        """Check and perform one action."""
        return await self._perform(action, None)

    async def perform_once(self, action: Action, key: str) -> ActionResult:
        """:meth:`perform` with the outbox's idempotency key: posts carry it as an enforced nonce."""
        return await self._perform(action, nonce_of(key))

    async def _perform(self, action: Action, nonce: str | None) -> ActionResult:
        if self.client is None or self.client.is_closed():
            return ActionResult.failure(action, "Discord is not connected", "offline")
        return await self.performer.perform(action, nonce=nonce)

    async def recheck(self, action: Action) -> str:
        """After a restart: is this effect already in place ("done"), safe to send again ("resend"), or unknown?"""
        return await self.performer.recheck(action)

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        """Publish the scope's slash commands (and the DM ones), only when their definitions changed."""
        self.state.specs[scope] = list(commands)
        if not scope.isdigit() or self.client is None or self.client.application_id is None:
            return
        app_id = self.client.application_id
        http = self.client.http
        await self._publish(scope, f"discord server {scope}", payloads(commands),
                            lambda body: http.bulk_upsert_guild_commands(app_id, int(scope), body),
                            lambda: http.get_guild_commands(app_id, int(scope)))
        # DM commands are global: one list for every community (a DM belongs to no server).
        every = [spec for specs in self.state.specs.values() for spec in specs]
        await self._publish(GLOBAL, "discord DMs", direct_payloads(every),
                            lambda body: http.bulk_upsert_global_commands(app_id, body),
                            lambda: http.get_global_commands(app_id))

    async def _publish(self, key: str, where: str, body: list[dict[str, Any]],
                       call: Callable[[list[dict[str, Any]]], Awaitable[Any]],
                       fetch: Callable[[], Awaitable[Any]]) -> None:
        wanted = digest(body)
        app = str(self.client.application_id)
        stored = await self.state.sync.digest(app, key)
        if stored == wanted or (stored is None and key == GLOBAL and not body):
            log.info("%s: slash commands unchanged; not re-published", where)
            try:  # their ids make the clickable command mentions
                self.state.remember_commands(key, await fetch() if body else [])
            except discord.HTTPException as exc:
                log.warning("%s: can't list the published commands (%s); commands show as text", where, exc)
            return
        try:
            self.state.remember_commands(key, await call(body))
        except discord.Forbidden:
            log.error("%s: can't publish slash commands (Missing Access). Re-invite Steward "
                      "with the applications.commands scope: %s", where, self.invite_url())
            return
        except discord.HTTPException as exc:
            log.error("%s: publishing slash commands failed: %s", where, exc)
            return
        await self.state.sync.remember(app, key, wanted)
        log.info("%s: published %d slash commands", where, len(body))

    # -- lookups ------------------------------------------------------------------------------

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        """A member from the cache (complete with the members intent), else from REST."""
        guild = self.state.guild(scope)
        if guild is None or not user.id.isdigit():
            return None
        found = guild.get_member(int(user.id))
        if found is None and not guild.chunked:
            try:
                found = await guild.fetch_member(int(user.id))
            except discord.HTTPException:
                return None
        return None if found is None else _info(guild, found)

    async def bot_member(self, scope: str) -> MemberInfo | None:
        """Steward's own member in a guild."""
        guild = self.state.guild(scope)
        return None if guild is None or guild.me is None else _info(guild, guild.me)

    async def invite_uses(self, scope: str) -> dict[str, int] | None:
        """Each invite's use count (analytics compares two snapshots around a join to tell which one
        was used); None without the Manage Server permission Discord requires to list invites."""
        guild = self.state.guild(scope)
        if guild is None or checks.lacks(guild, "manage_guild"):
            return None
        try:
            invites = await guild.invites()
        except discord.HTTPException as exc:
            log.warning("%s: can't list invites (%s)", guild.name, exc.status)
            return None
        return {invite.code: invite.uses or 0 for invite in invites}

    async def create_invite(self, scope: str, channel: ChannelRef) -> tuple[str, str] | None:
        """A never-expiring, unique invite to ``channel`` (an analytics campaign): its code and URL."""
        guild = self.state.guild(scope)
        found = guild.get_channel(int(channel.id)) if guild is not None and channel.id.isdigit() else None
        if guild is None or not isinstance(found, discord.abc.GuildChannel) or \
                checks.lacks(guild, "create_instant_invite", found):
            return None
        try:
            invite = await found.create_invite(max_age=0, unique=True, reason="Steward: invite campaign")
        except discord.HTTPException as exc:
            log.warning("%s: can't create an invite in #%s (%s)", guild.name, found.name, exc.status)
            return None
        return invite.code, invite.url

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        guild = self.state.guild(scope)
        found = names.find_channel(guild, name) if guild is not None else None
        if found is None or guild is None:
            return None
        if name.startswith("#"):
            self.state.names.record(guild.id, "channel", name, found.id)
        return ChannelRef(P, str(found.id))

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        guild = self.state.guild(scope)
        found = names.find_role(guild, name) if guild is not None else None
        if found is None or guild is None:
            return None
        self.state.names.record(guild.id, "role", name, found.id)
        return RoleRef(P, str(found.id))

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        guild = self.state.guild(scope)
        if guild is None:
            return None
        user_id, _member = names.find_member(guild, text)
        return None if user_id is None else UserRef(P, str(user_id))

def _info(guild: discord.Guild, member: discord.Member) -> MemberInfo:
    return MemberInfo(
        user=translate.user_ref(member), name=member.name, display_name=member.display_name,
        roles=frozenset(translate.role_refs(member)), rank=member.top_role.position,
        is_owner=member.id == guild.owner_id, is_admin=member.guild_permissions.administrator,
        is_bot=member.bot, joined_at=member.joined_at, created_at=member.created_at,
        timed_out_until=member.timed_out_until)


