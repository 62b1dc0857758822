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
from adapters.discord.perform import Performer
from adapters.discord.settings import DiscordSettings
from adapters.discord.store import LockStore, SyncStore
from bot.actions import Action, ActionResult
from bot.adapter import EventSink
from bot.capabilities import Capability
from bot.commands import CommandSpec
from bot.config.models import CommunityConfig, StewardConfig
from bot.errors import StartupError
from bot.events import Event
from bot.refs import ChannelRef, MemberInfo, RoleRef, UserRef
from bot.storage.database import Database

log = logging.getLogger(__name__)
P = translate.P
_INTENT_LOSS = {
    "Message Content Intent": "Without it moderation rules can't read messages, and Steward refuses to run "
                              "them blind.",
    "Server Members Intent": "Without it joins, leaves, the name check, raid protection and role checks stop "
                             "working.",
}
GLOBAL = "global"  # the command-sync key of the global (DM) commands; guild keys are ids
_TEXT_TYPES = (discord.MessageType.default, discord.MessageType.reply, discord.MessageType.thread_starter_message)


class DiscordAdapter:
    """Steward on Discord: one bot application, any number of configured servers (guilds)."""

    platform = P
    capabilities = frozenset(Capability) - {Capability.HOME}
    migrations = Path(__file__).parent / "migrations" / "versions"

    def __init__(self, settings: DiscordSettings, config: StewardConfig) -> None:
        self.settings = settings
        self.communities: dict[str, CommunityConfig] = {
            guild: cc for cc in config.communities if (guild := self.scope_of(cc)) is not None}
        self.client: discord.Client = None  # type: ignore[assignment]  # built by start()
        self.bot_user: UserRef | None = None
        self.specs: dict[str, list[CommandSpec]] = {}
        self.sync = SyncStore()
        self.locks = LockStore()
        self.names = names.NameBook()
        self.interactions = Interactions(self)
        self.performer = Performer(self)
        self.report: list[str] = []  # the start-up self-check's findings, for people and tests
        self._sink: EventSink | None = None
        self._ready: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- life cycle ---------------------------------------------------------------------------

    def scope_of(self, community: CommunityConfig) -> str | None:
        """The community's server id, from its ``discord:`` section."""
        return community.scope_on(P)

    async def attach_storage(self, db: Database) -> None:
        """Keep the published-commands digest and pre-lock permissions in Steward's database."""
        self.sync.db = db
        self.locks.db = db

    async def start(self, sink: EventSink) -> None:
        """Log in, connect, wait for the guilds, then check intents, guilds and permissions."""
        if not self.communities:
            raise StartupError("platforms.discord.token is set but no community names its Discord server: add "
                               "`discord: {guild: \"<server id>\"}` to a community (README → Discord)")
        self._refuse_blind_moderation()
        self._sink = sink
        self._ready = asyncio.Event()
        self.client = make_client(self)
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

    def _refuse_blind_moderation(self) -> None:
        if self.settings.message_content:
            return
        moderated = [cc.name for cc in self.communities.values() if "moderation" in cc.cog_sections()]
        if moderated:
            raise StartupError(
                "platforms.discord.message_content is false, but community "
                f"{', '.join(moderated)} has moderation rules that read what members write. Without the "
                "Message Content intent every message would look empty and pass every rule; Steward refuses "
                "to run them blind. Enable the intent (Developer Portal → Bot → Privileged Gateway Intents) "
                "and set message_content: true, or remove the moderation section.")

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
        if user is None or (self.client.user is not None and user.id == self.client.user.id):
            return True
        return self.settings.ignore_bots and (user.bot or is_webhook)

    def dm_scope(self, user_id: int) -> str | None:
        """The configured guild a DM belongs to: one the user shares with Steward, or the only one."""
        for guild_id in self.communities:
            guild = self.client.get_guild(int(guild_id)) if guild_id.isdigit() else None
            if guild is not None and guild.get_member(user_id) is not None:
                return guild_id
        return next(iter(self.communities)) if len(self.communities) == 1 else None

    def _scope(self, guild_id: int | None, user_id: int) -> str | None:
        return str(guild_id) if guild_id else self.dm_scope(user_id)

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
        if self.client.user is None or member.id != self.client.user.id:
            await self.emit(translate.joined(member))

    async def on_leave(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.emit(translate.left(payload))

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        event = translate.updated(before, after)
        if event is not None:
            await self.emit(event)

    async def on_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self.client.user is not None and payload.user_id == self.client.user.id:
            return
        if self.settings.ignore_bots and payload.member is not None and payload.member.bot:
            return
        scope = self._scope(payload.guild_id, payload.user_id)
        if scope is not None:
            await self.emit(translate.reacted(payload, scope))

    def guild_changed(self, guild: discord.Guild) -> None:
        """Channels or roles changed: follow the configured names to their current ids."""
        self.names.refresh(guild)

    # -- actions and commands -----------------------------------------------------------------

    async def perform(self, action: Action) -> ActionResult:
        """Check and perform one action."""
        if self.client is None or self.client.is_closed():
            return ActionResult.failure(action, "Discord is not connected", "offline")
        return await self.performer.perform(action)

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        """Publish the scope's slash commands (and the DM ones), only when their definitions changed."""
        self.specs[scope] = list(commands)
        if not scope.isdigit() or self.client is None or self.client.application_id is None:
            return
        app_id = self.client.application_id
        await self._publish(scope, f"discord server {scope}", payloads(commands),
                            lambda body: self.client.http.bulk_upsert_guild_commands(app_id, int(scope), body))
        # DM commands are global: one list for every community (a DM belongs to no server).
        every = [spec for specs in self.specs.values() for spec in specs]
        await self._publish(GLOBAL, "discord DMs", direct_payloads(every),
                            lambda body: self.client.http.bulk_upsert_global_commands(app_id, body))

    async def _publish(self, key: str, where: str, body: list[dict[str, Any]],
                       call: Callable[[list[dict[str, Any]]], Awaitable[Any]]) -> None:
        wanted = digest(body)
        app = str(self.client.application_id)
        stored = await self.sync.digest(app, key)
        if stored == wanted or (stored is None and key == GLOBAL and not body):
            log.info("%s: slash commands unchanged; not re-published", where)
            return
        try:
            await call(body)
        except discord.Forbidden:
            log.error("%s: can't publish slash commands (Missing Access). Re-invite Steward "
                      "with the applications.commands scope: %s", where, self.invite_url())
            return
        except discord.HTTPException as exc:
            log.error("%s: publishing slash commands failed: %s", where, exc)
            return
        await self.sync.remember(app, key, wanted)
        log.info("%s: published %d slash commands", where, len(body))

    # -- lookups ------------------------------------------------------------------------------

    def _guild(self, scope: str) -> discord.Guild | None:
        if self.client is None or not scope.isdigit():
            return None
        return self.client.get_guild(int(scope))

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        """A member from the cache (complete with the members intent), else from REST."""
        guild = self._guild(scope)
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
        guild = self._guild(scope)
        return None if guild is None or guild.me is None else _info(guild, guild.me)

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        guild = self._guild(scope)
        found = names.find_channel(guild, name) if guild is not None else None
        if found is None or guild is None:
            return None
        if name.startswith("#"):
            self.names.record(guild.id, "channel", name, found.id)
        return ChannelRef(P, str(found.id))

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        guild = self._guild(scope)
        found = names.find_role(guild, name) if guild is not None else None
        if found is None or guild is None:
            return None
        self.names.record(guild.id, "role", name, found.id)
        return RoleRef(P, str(found.id))

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        guild = self._guild(scope)
        if guild is None:
            return None
        user_id, _member = names.find_member(guild, text)
        return None if user_id is None else UserRef(P, str(user_id))

    # -- helpers for perform ------------------------------------------------------------------

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


def _info(guild: discord.Guild, member: discord.Member) -> MemberInfo:
    return MemberInfo(
        user=translate.user_ref(member), name=member.name, display_name=member.display_name,
        roles=frozenset(translate.role_refs(member)), rank=member.top_role.position,
        is_owner=member.id == guild.owner_id, is_admin=member.guild_permissions.administrator,
        is_bot=member.bot, joined_at=member.joined_at, created_at=member.created_at,
        timed_out_until=member.timed_out_until)


