"""Core actions → Discord REST calls, each checked (permissions, hierarchy, breaker) before the call."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import aiohttp
import discord

from adapters.discord import checks
from adapters.discord.limits import rate_limited
from adapters.discord.render import message_kwargs
from adapters.discord.state import GLOBAL, State
from adapters.discord.translate import message_ref
from bot.action_table import ActionTable
from bot.actions import (
    UNAVAILABLE,
    Action,
    ActionResult,
    AddReaction,
    AddRole,
    BanMember,
    BulkDelete,
    CancelScheduledEvent,
    CreateThread,
    DeleteMessage,
    EditMessage,
    KickMember,
    LockChannel,
    OpenForm,
    RemoveRole,
    RemoveTimeout,
    Reply,
    ScheduleEvent,
    SendDirect,
    SendMessage,
    SetSlowmode,
    TimeoutMember,
    UnbanMember,
    map_content,
)
from bot.capabilities import Capability
from bot.content import spell_commands
from bot.refs import ChannelRef, MessageRef

log = logging.getLogger(__name__)

MAX_TIMEOUT = timedelta(days=28)
MAX_BAN_HISTORY = 7 * 86400
MAX_SLOWMODE = 21600
MAX_UPLOAD = 10 * 2**20  # what every server takes without boosts
BULK_AGE = timedelta(days=14)
DM_CLOSED = 50007
LOCKED = ("send_messages", "send_messages_in_threads", "create_public_threads", "add_reactions")  # what a lock denies


def nonce_of(key: str) -> str:
    """A message nonce (at most 25 characters) from an outbox key: a repeat of the key is dropped."""
    return hashlib.sha256(key.encode()).hexdigest()[:25]


class Refused(Exception):
    """A check failed before any call: (code, reason for people)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class Performer:
    """Performs actions for one adapter: one handler per action type, read into its capabilities."""

    def __init__(self, state: State, answer: Callable[[Reply | OpenForm], Awaitable[ActionResult]]) -> None:
        self.state = state
        self.breaker = checks.Breaker(state.settings.breaker_threshold,
                                      state.settings.breaker_cooldown.total_seconds())
        self.table = ActionTable()
        self.table.add(SendMessage, self._send, also=[Capability.BUTTONS, Capability.FILES])
        self.table.add(Reply, answer, also=[Capability.EPHEMERAL])
        self.table.add(OpenForm, answer)
        self.table.add(EditMessage, self._edit)
        self.table.add(SendDirect, self._direct)
        self.table.add(DeleteMessage, self._delete)
        self.table.add(BulkDelete, self._bulk_delete)
        self.table.add(TimeoutMember, self._timeout)
        self.table.add(RemoveTimeout, self._untimeout)
        self.table.add(KickMember, self._kick)
        self.table.add(BanMember, self._ban)
        self.table.add(UnbanMember, self._unban)
        self.table.add(AddRole, self._role)
        self.table.add(RemoveRole, self._role)
        self.table.add(AddReaction, self._react)
        self.table.add(SetSlowmode, self._slowmode)
        self.table.add(LockChannel, self._lock)
        self.table.add(CreateThread, self._thread)
        self.table.add(ScheduleEvent, self._schedule)
        self.table.add(CancelScheduledEvent, self._cancel_event)
        if state.settings.message_content:
            self.table.receives(Capability.READ_MESSAGES)
        # the outbox key of the post being sent in this task, as Discord's enforced nonce (see perform)
        self._nonce: ContextVar[str | None] = ContextVar(f"discord-nonce-{id(self)}", default=None)

    @property
    def client(self) -> discord.Client:
        return self.state.client

    async def perform(self, action: Action, *, nonce: str | None = None) -> ActionResult:
        """Check, call, and turn Discord's answer into a result; never raises for a refusal.

        ``nonce`` (from the outbox key) goes with a post or DM, so a repeat after a crash is dropped.
        """
        guild_id = self._guild_of(action)
        if guild_id is not None and self.breaker.is_open(guild_id):
            return ActionResult.failure(action, "paused in this server after repeated 'Missing Permissions' "
                                                "errors; fix Steward's permissions (see the mod log)", "circuit_open")
        spell = self.state.spell(str(guild_id) if guild_id is not None else GLOBAL)
        token = self._nonce.set(nonce)
        try:
            result = await self.table.perform(map_content(action, lambda content: spell_commands(content, spell)))
            result = result if result.action is action else dataclasses.replace(result, action=action)
        except discord.RateLimited as exc:  # longer than max_ratelimit_timeout: the outbox holds and retries
            return rate_limited(action, exc, self.state.limit)
        except discord.DiscordServerError as exc:
            return ActionResult.failure(action, f"Discord error {exc.status}", UNAVAILABLE)
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            return ActionResult.failure(action, f"Discord unreachable: {type(exc).__name__}", UNAVAILABLE)
        except Refused as exc:
            log.info("refused %s: %s", type(action).__name__, exc)
            return ActionResult.failure(action, str(exc), exc.code)
        except discord.Forbidden as exc:
            if exc.code == DM_CLOSED:
                return ActionResult.failure(action, "that member does not accept direct messages", "dm_closed")
            if guild_id is not None and self.breaker.forbidden(guild_id):
                await self._alert(guild_id)
            return ActionResult.failure(action, f"Discord refused: {exc.text or exc.status}", "forbidden")
        except discord.NotFound as exc:
            return ActionResult.failure(action, f"not found on Discord: {exc.text or exc.status}", "not_found")
        except discord.HTTPException as exc:
            if exc.status == 429:  # still limited after discord.py's five tries: not lost, held and retried
                return rate_limited(action, exc, self.state.limit)
            return ActionResult.failure(action, f"Discord error {exc.status}: {exc.text}", "http")
        finally:
            self._nonce.reset(token)
        if guild_id is not None:
            self.breaker.success(guild_id)
        return result

    async def recheck(self, action: Action) -> str:
        """Whether a member effect is already in place; posts with a nonce are safe to send again."""
        match action:
            case SendMessage() | SendDirect():
                return "resend"  # the nonce is enforced: Discord answers a repeat with the first message
            case UnbanMember(scope=scope, user=user) | BanMember(scope=scope, user=user):
                try:
                    await self.client.http.get_ban(int(user.id), int(scope))
                    banned = True
                except discord.NotFound:
                    banned = False
                return "done" if banned == isinstance(action, BanMember) else "resend"
            case RemoveTimeout(scope=scope, user=user) | TimeoutMember(scope=scope, user=user):
                try:
                    member = await self.client.http.get_member(int(scope), int(user.id))
                except discord.NotFound:
                    return "done" if isinstance(action, RemoveTimeout) else "unknown"
                timed_out = bool(member.get("communication_disabled_until"))
                return "done" if timed_out == isinstance(action, TimeoutMember) else "resend"
        return "unknown"

    # -- one handler per action ---------------------------------------------------------------

    def _once(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The send's keyword arguments with this task's nonce, if the outbox gave one."""
        nonce = self._nonce.get()
        if nonce is not None:  # Discord drops a repeat of an enforced nonce (a re-send after a crash)
            kwargs["nonce"] = nonce
        return kwargs

    async def _send(self, action: SendMessage) -> ActionResult:
        thread, files = action.thread, action.files
        # a Discord thread is a channel of its own: the ref CreateThread returned names it
        cid = int(thread.channel_id) if thread is not None else self.state.channel_id(action.channel.id)
        self._need_channel_perm(cid, "send_messages_in_threads" if thread is not None else "send_messages")
        kwargs = message_kwargs(action.content)
        if files:
            self._need_channel_perm(cid, "attach_files")
            if sum(f.size for f in files) > MAX_UPLOAD:
                raise Refused("too_large", f"Discord takes at most {MAX_UPLOAD // 2**20} MB of files a message")
            kwargs["files"] = [discord.File(io.BytesIO(f.data), filename=f.name) for f in files]
        if action.reply_to is not None:
            kwargs["reference"] = discord.MessageReference(
                message_id=int(action.reply_to.id), channel_id=int(action.reply_to.channel_id),
                fail_if_not_exists=False)
        msg = await self.client.get_partial_messageable(cid).send(**self._once(kwargs))
        return ActionResult.success(action, message_ref(msg.channel.id, msg.id))

    async def _edit(self, action: EditMessage) -> ActionResult:
        message = action.message
        partial = self.client.get_partial_messageable(int(message.channel_id)).get_partial_message(int(message.id))
        kwargs = message_kwargs(action.content)
        kwargs.setdefault("view", None)
        await partial.edit(**kwargs)
        return ActionResult.success(action, message)

    async def _direct(self, action: SendDirect) -> ActionResult:
        dm = await self.client.http.start_private_message(int(action.user.id))
        # components in a DM carry the server they are about: the press will name no guild
        msg = await self.client.get_partial_messageable(int(dm["id"])).send(
            **self._once(message_kwargs(action.content, dm_scope=action.scope or None)))
        return ActionResult.success(action, message_ref(msg.channel.id, msg.id))

    async def _delete(self, action: DeleteMessage) -> ActionResult:
        cid = self.state.channel_id(action.message.channel_id)
        self._need_channel_perm(cid, "manage_messages")
        await self.client.http.delete_message(cid, int(action.message.id), reason=_reason(action))
        return ActionResult.success(action, action.message)

    async def _untimeout(self, action: RemoveTimeout) -> ActionResult:
        guild, _member = self._target(int(action.scope), int(action.user.id), "moderate_members", present=True)
        await self.client.http.edit_member(guild.id, int(action.user.id), reason=_reason(action),
                                           communication_disabled_until=None)
        return ActionResult.success(action)

    async def _kick(self, action: KickMember) -> ActionResult:
        guild, _member = self._target(int(action.scope), int(action.user.id), "kick_members", present=True)
        await self.client.http.kick(int(action.user.id), guild.id, reason=_reason(action))
        return ActionResult.success(action)

    async def _ban(self, action: BanMember) -> ActionResult:
        guild, _member = self._target(int(action.scope), int(action.user.id), "ban_members", present=False)
        seconds = max(0, min(int(action.delete_history.total_seconds()), MAX_BAN_HISTORY))
        await self.client.http.ban(int(action.user.id), guild.id, seconds, reason=_reason(action))
        return ActionResult.success(action)

    async def _unban(self, action: UnbanMember) -> ActionResult:
        guild_id = int(action.scope)
        guild = self.client.get_guild(guild_id)
        if guild is not None:
            self._need(guild, "ban_members")
        # a server on a shard another process runs (its timers taken over by the leader, bot.processes):
        # lifting a ban needs only the ids, and Discord answers 403 if Steward may not
        await self.client.http.unban(int(action.user.id), guild_id, reason=_reason(action))
        return ActionResult.success(action)

    async def _react(self, action: AddReaction) -> ActionResult:
        cid = self.state.channel_id(action.message.channel_id)
        self._need_channel_perm(cid, "add_reactions")
        await self.client.http.add_reaction(cid, int(action.message.id), _emoji(action.emoji))
        return ActionResult.success(action)

    async def _slowmode(self, action: SetSlowmode) -> ActionResult:
        if not 0 <= action.seconds <= MAX_SLOWMODE:
            raise Refused("too_long", "Discord allows slowmode between 0 and 6 hours")
        cid = self.state.channel_id(action.channel.id)
        self._need_channel_perm(cid, "manage_channels")
        await self.client.http.edit_channel(cid, reason=_reason(action), rate_limit_per_user=action.seconds)
        return ActionResult.success(action)

    async def _cancel_event(self, action: CancelScheduledEvent) -> ActionResult:
        guild = self._guild(int(action.scope))
        self._need(guild, "manage_events")
        await self.client.http.edit_scheduled_event(guild.id, int(action.event), reason=_reason(action), status=4)
        return ActionResult.success(action, ref=action.event)

    # -- checks -------------------------------------------------------------------------------

    def _guild(self, guild_id: int) -> discord.Guild:
        guild = self.client.get_guild(guild_id)
        if guild is None:
            raise Refused("not_found", f"Steward is not in the Discord server {guild_id}")
        return guild

    def _need(self, guild: discord.Guild, permission: str,
              channel: discord.abc.GuildChannel | None = None) -> None:
        why = checks.lacks(guild, permission, channel)
        if why is not None:
            raise Refused("forbidden", why)

    def _need_channel_perm(self, channel_id: int, permission: str) -> None:
        channel = self.client.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        if isinstance(guild, discord.Guild) and isinstance(channel, discord.abc.GuildChannel):
            self._need(guild, permission, channel)

    def _target(self, guild_id: int, user_id: int, permission: str, *,
                present: bool) -> tuple[discord.Guild, discord.Member | None]:
        guild = self._guild(guild_id)
        self._need(guild, permission)
        member = guild.get_member(user_id)
        if member is None:
            if present:
                raise Refused("not_found", "that member is not in the server")
            return guild, None
        why = checks.hierarchy(guild, member)
        if why is not None:
            raise Refused("hierarchy", why)
        return guild, member

    def _guild_of(self, action: Action) -> int | None:
        scope = getattr(action, "scope", None) or getattr(getattr(action, "origin", None), "scope", None)
        if isinstance(scope, str) and scope.isdigit():
            return int(scope)
        for attr in ("channel", "message"):
            ref = getattr(action, attr, None)
            cid = ref.id if isinstance(ref, ChannelRef) else ref.channel_id if isinstance(ref, MessageRef) else None
            if cid is not None and cid.isdigit():
                channel = self.client.get_channel(int(cid))
                guild = getattr(channel, "guild", None)
                if isinstance(guild, discord.Guild):
                    return guild.id
        return None

    # -- the actions with more to them ---------------------------------------------------------

    async def _timeout(self, action: TimeoutMember) -> ActionResult:
        guild_id, user_id, until, reason = int(action.scope), int(action.user.id), action.until, _reason(action)
        now = datetime.now(UTC)
        if until - now > MAX_TIMEOUT:
            raise Refused("too_long", "Discord caps timeouts at 28 days; use a (timed) ban for longer")
        if until <= now:
            raise Refused("invalid", "the timeout would already be over")
        _guild, member = self._target(guild_id, user_id, "moderate_members", present=True)
        if member is not None and member.guild_permissions.administrator:
            raise Refused("hierarchy", f"{member.display_name} is an administrator; Discord can't time them out")
        until = min(until, now + MAX_TIMEOUT - timedelta(seconds=30))  # room for the request's own latency
        await self.client.http.edit_member(guild_id, user_id, reason=reason,
                                           communication_disabled_until=until.isoformat())
        return ActionResult.success(action)

    async def _role(self, action: AddRole | RemoveRole) -> ActionResult:
        guild_id, user_id, role_id = int(action.scope), int(action.user.id), self.state.role_id(action.role.id)
        guild, _member = self._target(guild_id, user_id, "manage_roles", present=True)
        role = guild.get_role(role_id)
        if role is None:
            raise Refused("not_found", f"no role {role_id} in this server")
        why = checks.role_hierarchy(guild, role)
        if why is not None:
            raise Refused("hierarchy", why)
        call = self.client.http.add_role if isinstance(action, AddRole) else self.client.http.remove_role
        await call(guild_id, user_id, role_id, reason=_reason(action))
        return ActionResult.success(action)

    async def _bulk_delete(self, action: BulkDelete) -> ActionResult:
        channel_id, ids, reason = self.state.channel_id(action.channel.id), [int(m.id) for m in action.messages], \
            _reason(action)
        self._need_channel_perm(channel_id, "manage_messages")
        cutoff = discord.utils.time_snowflake(datetime.now(UTC) - BULK_AGE + timedelta(minutes=1))
        recent: list[str | int] = sorted({i for i in ids if i >= cutoff})
        old = sorted({i for i in ids if i < cutoff})  # Discord bulk-deletes only the last 14 days
        for start in range(0, len(recent), 100):
            chunk = recent[start:start + 100]
            if len(chunk) == 1:
                old.append(int(chunk[0]))
            else:
                await self.client.http.delete_messages(channel_id, chunk, reason=reason)
        for message_id in old:
            try:
                await self.client.http.delete_message(channel_id, message_id, reason=reason)
            except discord.NotFound:
                continue
        return ActionResult.success(action)

    async def _lock(self, action: LockChannel) -> ActionResult:
        channel = self.client.get_channel(self.state.channel_id(action.channel.id))
        reason = _reason(action)
        if not isinstance(channel, discord.abc.GuildChannel):
            raise Refused("not_found", "only server channels can be locked")
        guild = channel.guild
        self._need(guild, "manage_roles", channel)
        self._need(guild, "manage_channels", channel)
        if not action.locked:
            await self._unlock(channel, reason)
            return ActionResult.success(action)
        # moderators, admins and Steward itself keep talking in a locked channel
        keep: list[tuple[int, Literal[0, 1]]] = [(r.id, 0) for r in self.state.staff_roles(guild)]
        if guild.me is not None:
            keep.append((guild.me.id, 1))
        if await self.state.locks.saved(channel.id) is None:  # a second lock keeps the first one's "before"
            present = {target.id: ow for target, ow in channel.overwrites.items()}
            before = [(target, kind, _pair(present[target]) if target in present else None)
                      for target, kind in [(guild.default_role.id, 0), *keep]]
            await self.state.locks.save(channel.id, before)
        everyone = channel.overwrites_for(guild.default_role)  # its other permissions stay as they are
        everyone.update(**dict.fromkeys(LOCKED, False))
        allow, deny = everyone.pair()
        await self.client.http.edit_channel_permissions(channel.id, guild.default_role.id, str(allow.value),
                                                        str(deny.value), 0, reason=reason)
        for target, kind in keep:
            # everything the lock takes from @everyone, or Steward couldn't even react in the locked channel
            existing = channel.overwrites_for(discord.Object(target))
            existing.update(**dict.fromkeys(LOCKED, True))
            a, d = existing.pair()
            await self.client.http.edit_channel_permissions(channel.id, target, str(a.value), str(d.value),
                                                            kind, reason=reason)
        return ActionResult.success(action)

    async def _unlock(self, channel: discord.abc.GuildChannel, reason: str | None) -> None:
        """Put back the overwrites the channel had before Steward locked it."""
        http = self.client.http
        before = await self.state.locks.saved(channel.id)
        if before is None:
            # Not locked by Steward (or by a version that kept no record): lift only what a lock denies.
            everyone = channel.overwrites_for(channel.guild.default_role)
            everyone.update(**dict.fromkeys(LOCKED, None))
            allow, deny = everyone.pair()
            log.info("unlocking #%s: no record of its permissions before the lock; only the lock's own denials "
                     "for @everyone are lifted", channel.name)
            await http.edit_channel_permissions(channel.id, channel.guild.default_role.id, str(allow.value),
                                                str(deny.value), 0, reason=reason)
            return
        for target, kind, pair in before:
            if pair is None:
                try:
                    await http.delete_channel_permissions(channel.id, target, reason=reason)
                except discord.NotFound:
                    pass  # already gone
            else:
                await http.edit_channel_permissions(channel.id, target, str(pair[0]), str(pair[1]),
                                                    kind, reason=reason)  # type: ignore[arg-type]
        await self.state.locks.forget(channel.id)

    async def _thread(self, action: CreateThread) -> ActionResult:
        reason = _reason(action)
        cid = self.state.channel_id(action.channel.id)
        self._need_channel_perm(cid, "create_public_threads")
        choices: tuple[Literal[60, 1440, 4320, 10080], ...] = (60, 1440, 4320, 10080)
        minutes = min(choices, key=lambda m: abs(m - action.auto_archive.total_seconds() / 60))
        http = self.client.http
        if action.message is not None:
            data: Any = await http.start_thread_with_message(cid, int(action.message.id), name=action.name[:100],
                                                             auto_archive_duration=minutes, reason=reason)
        else:
            data = await http.start_thread_without_message(cid, name=action.name[:100],
                                                           auto_archive_duration=minutes, type=11, reason=reason)
        thread_id = int(data["id"])
        first = action.message.id if action.message is not None else str(thread_id)
        if action.content is not None:
            msg = await self.client.get_partial_messageable(thread_id).send(**message_kwargs(action.content))
            first = str(msg.id)
        return ActionResult.success(action, message_ref(thread_id, int(first)), ref=str(thread_id))

    async def _schedule(self, action: ScheduleEvent) -> ActionResult:
        reason = _reason(action)
        guild = self._guild(int(action.scope))
        self._need(guild, "manage_events")
        body: dict[str, Any] = {"name": action.name[:100], "privacy_level": 2,
                                "scheduled_start_time": action.start.astimezone(UTC).isoformat(),
                                "description": action.description[:1000]}
        if action.channel is not None:
            channel = self.client.get_channel(self.state.channel_id(action.channel.id))
            body["entity_type"] = 1 if isinstance(channel, discord.StageChannel) else 2
            body["channel_id"] = str(self.state.channel_id(action.channel.id))
            body["entity_metadata"] = None
            if action.end is not None:
                body["scheduled_end_time"] = action.end.astimezone(UTC).isoformat()
        else:
            if action.end is None:
                raise Refused("invalid", "Discord needs an end time for an event that is not in a voice channel")
            body.update(entity_type=3, channel_id=None,
                        entity_metadata={"location": (action.location or "Online")[:100]},
                        scheduled_end_time=action.end.astimezone(UTC).isoformat())
        http = self.client.http
        if action.event:
            data: Any = await http.edit_scheduled_event(guild.id, int(action.event), reason=reason, **body)
        else:
            data = await http.create_guild_scheduled_event(guild.id, reason=reason, **body)
        return ActionResult.success(action, ref=str(data["id"]))

    async def _alert(self, guild_id: int) -> None:
        """Tell the guild's moderators once that the breaker opened (the post itself bypasses it)."""
        guild = self.client.get_guild(guild_id)
        channel_id = self.state.modlog_channel(guild) if guild is not None else None
        minutes = int(self.breaker.cooldown // 60) or 1
        log.error("discord server %s: %d 'Missing Permissions' errors in a row; pausing actions there for %d min",
                  guild_id, self.breaker.threshold, minutes)
        if guild is None or channel_id is None:
            return
        roles = self.state.staff_roles(guild, purposes=("moderator",))
        mention = " ".join(r.mention for r in roles)
        body = (f"{mention} Steward got {self.breaker.threshold} 'Missing Permissions' errors in a row here and "
                f"paused its actions in this server for {minutes} min. Check that Steward's role has the "
                "permissions it needs and sits above the roles it moderates.").strip()
        try:
            await self.client.get_partial_messageable(channel_id).send(
                content=body, allowed_mentions=discord.AllowedMentions(everyone=False, users=False, roles=roles))
        except discord.HTTPException:
            log.exception("could not alert the moderators of %s", guild_id)


def _reason(action: Action) -> str | None:
    """The audit-log reason Discord takes (512 characters at most)."""
    return action.reason[:512] or None


def _pair(overwrite: discord.PermissionOverwrite) -> tuple[int, int]:
    allow, deny = overwrite.pair()
    return allow.value, deny.value


def _emoji(emoji: str) -> str:
    """``<:name:id>`` → ``name:id`` as the reactions endpoint wants; unicode as is."""
    if emoji.startswith("<") and emoji.endswith(">"):
        return emoji.strip("<>").removeprefix("a:").lstrip(":")
    return emoji

