"""An in-memory platform that performs every action on a small world of members and messages.

It is strict like a real platform: an action on a message or member it does not know fails
with ``not_found``, and a test can make any action type fail (``refusals``) to play a 403.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.action_table import ActionTable
from bot.actions import (
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
    ShowOnHome,
    TimeoutMember,
    UnbanMember,
)
from bot.adapter import EventSink
from bot.capabilities import Capability
from bot.commands import CommandSpec
from bot.config.models import CommunityConfig
from bot.refs import ChannelRef, MemberInfo, MessageRef, RoleRef, UserRef

P = "memory"


@dataclass
class FakeMember:
    """A member of the in-memory platform."""

    name: str
    roles: set[str] = field(default_factory=set)
    rank: int = 0
    is_owner: bool = False
    present: bool = True
    timed_out_until: datetime | None = None
    joined_at: datetime | None = None


@dataclass
class Scope:
    """One community's corner of the memory platform."""

    channels: set[str] = field(default_factory=lambda: {"#general"})
    roles: set[str] = field(default_factory=set)
    members: dict[str, FakeMember] = field(default_factory=dict)
    banned: set[str] = field(default_factory=set)
    invites: dict[str, int] | None = None  # invite code → uses; None: this platform has no invite links


class MemoryAdapter:
    """A platform that exists only in memory and records every action it performs.

    ``capabilities`` leaves out the handlers of everything else (to play a platform that can't
    time members out); what it declares is derived from the handlers it kept, like every adapter.
    """

    # an in-memory platform lives in one process: its events are never claimed across processes
    # (each harness numbers its events from 1, as a restarted test process would)
    events_reach_one_process = True

    def __init__(self, scope: str, *, platform: str = P, capabilities: Iterable[Capability] | None = None,
                 channels: Iterable[str] = (), roles: Iterable[str] = (),
                 performed: list[Action] | None = None) -> None:
        self.platform = platform
        self.scope = scope  # the default scope; every community is on the platform under its own name
        self.scopes: dict[str, Scope] = {}
        self.world(scope, channels, roles)
        self.messages: dict[MessageRef, str] = {}  # every message that exists -> its author's id
        self.performed: list[Action] = performed if performed is not None else []
        self.refusals: dict[type[Action], str] = {}  # action type -> error, to play a platform's 403
        self.dms_closed: set[str] = set()  # user ids whose DMs the platform refuses (``dm_closed``, as Discord's 50007)
        self.registered: dict[str, list[CommandSpec]] = {}
        self.bot_user = UserRef(platform, "steward")
        self.sink: EventSink | None = None
        self._ids = itertools.count(1)
        self.table = self._table(None if capabilities is None else set(capabilities))
        self.capabilities = self.table.capabilities()

    def world(self, scope: str, channels: Iterable[str] = (), roles: Iterable[str] = ()) -> Scope:
        """The scope's world (created on first use)."""
        found = self.scopes.setdefault(scope, Scope())
        found.channels.update(channels)
        found.roles.update(roles)
        return found

    @property
    def channels(self) -> set[str]:
        """The default scope's channel names."""
        return self.scopes[self.scope].channels

    @property
    def members(self) -> dict[str, FakeMember]:
        """The default scope's members by name."""
        return self.scopes[self.scope].members

    @property
    def banned(self) -> set[str]:
        """The default scope's banned member ids."""
        return self.scopes[self.scope].banned

    def scope_of(self, community: CommunityConfig) -> str | None:
        """Every community is on the memory platform, its name its scope."""
        return community.name

    async def start(self, sink: EventSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        self.registered[scope] = list(commands)

    def exists(self, message: MessageRef) -> None:
        """A message that now exists (a member posted it)."""
        self.messages[message] = ""

    async def perform(self, action: Action) -> ActionResult:
        await asyncio.sleep(0)  # a real platform call yields to the loop; so does this one
        self.performed.append(action)
        if type(action) in self.refusals:
            return ActionResult.failure(action, self.refusals[type(action)], "forbidden")
        return await self.table.perform(action)

    # -- handlers ---------------------------------------------------------------------------

    def _table(self, only: set[Capability] | None) -> ActionTable:
        table = ActionTable()
        handlers: list[tuple[type[Any], Any, tuple[Capability, ...]]] = [
            (SendMessage, self._send, (Capability.BUTTONS, Capability.FILES)),
            (Reply, self._reply, (Capability.EPHEMERAL,)),
            (SendDirect, self._direct, ()), (EditMessage, self._edit, ()), (DeleteMessage, self._delete, ()),
            (BulkDelete, self._bulk_delete, ()), (TimeoutMember, self._timeout, ()),
            (RemoveTimeout, self._untimeout, ()), (KickMember, self._kick, ()), (BanMember, self._ban, ()),
            (UnbanMember, self._unban, ()), (AddRole, self._role, ()), (RemoveRole, self._role, ()),
            (AddReaction, self._message_action, ()), (OpenForm, self._done, ()), (ShowOnHome, self._done, ()),
            (SetSlowmode, self._done, ()), (LockChannel, self._done, ()), (CreateThread, self._thread, ()),
            (ScheduleEvent, self._event, ()), (CancelScheduledEvent, self._event, ()),
        ]
        for action_type, handler, also in handlers:
            if only is None or action_type.capability in only:
                table.add(action_type, handler, also=[c for c in also if only is None or c in only])
        table.receives(*[c for c in (Capability.READ_MESSAGES,) if only is None or c in only])
        return table

    def _new(self, channel_id: str) -> MessageRef:
        ref = MessageRef(self.platform, channel_id, f"out{next(self._ids)}")
        self.messages[ref] = self.bot_user.id
        return ref

    def _member(self, action: Action, scope: str, user: UserRef) -> FakeMember | ActionResult:
        found = self.scopes.get(scope, Scope()).members.get(user.id)
        if found is None or not found.present:
            return ActionResult.failure(action, f"no member {user.id} here", "not_found")
        return found

    async def _done(self, action: Action) -> ActionResult:
        return ActionResult.success(action)

    async def _send(self, action: SendMessage) -> ActionResult:
        return ActionResult.success(action, self._new(action.channel.id))

    async def _reply(self, action: Reply) -> ActionResult:
        origin = action.origin
        return ActionResult.success(action, self._new(origin.channel.id if origin.channel else f"dm:{origin.user.id}"))

    async def _direct(self, action: SendDirect) -> ActionResult:
        if action.user.id in self.dms_closed:
            return ActionResult.failure(action, "that member does not accept direct messages", "dm_closed")
        return ActionResult.success(action, self._new(f"dm:{action.user.id}"))

    async def _edit(self, action: EditMessage) -> ActionResult:
        if self.messages.get(action.message) != self.bot_user.id:
            return ActionResult.failure(action, "Steward can edit only a message of its own that exists", "not_found")
        return ActionResult.success(action, action.message)

    async def _message_action(self, action: AddReaction) -> ActionResult:
        if action.message not in self.messages:
            return ActionResult.failure(action, "no such message", "not_found")
        return ActionResult.success(action)

    async def _delete(self, action: DeleteMessage) -> ActionResult:
        if self.messages.pop(action.message, None) is None:
            return ActionResult.failure(action, "no such message (or already deleted)", "not_found")
        return ActionResult.success(action, action.message)

    async def _bulk_delete(self, action: BulkDelete) -> ActionResult:
        gone = [m for m in action.messages if self.messages.pop(m, None) is not None]
        if action.messages and not gone:
            return ActionResult.failure(action, "none of the messages exists", "not_found")
        return ActionResult.success(action)

    async def _timeout(self, action: TimeoutMember) -> ActionResult:
        member = self._member(action, action.scope, action.user)
        if isinstance(member, ActionResult):
            return member
        member.timed_out_until = action.until
        return ActionResult.success(action)

    async def _untimeout(self, action: RemoveTimeout) -> ActionResult:
        member = self._member(action, action.scope, action.user)
        if isinstance(member, ActionResult):
            return member
        member.timed_out_until = None
        return ActionResult.success(action)

    async def _kick(self, action: KickMember) -> ActionResult:
        member = self._member(action, action.scope, action.user)
        if isinstance(member, ActionResult):
            return member
        member.present = False
        return ActionResult.success(action)

    async def _ban(self, action: BanMember) -> ActionResult:
        world = self.world(action.scope)
        member = world.members.get(action.user.id)
        if member is None and action.user.id not in world.banned:
            return ActionResult.failure(action, f"no user {action.user.id} on this platform", "not_found")
        world.banned.add(action.user.id)
        if member is not None:
            member.present = False
        return ActionResult.success(action)

    async def _unban(self, action: UnbanMember) -> ActionResult:
        world = self.world(action.scope)
        if action.user.id not in world.banned:
            return ActionResult.failure(action, "not banned", "not_found")
        world.banned.discard(action.user.id)
        return ActionResult.success(action)

    async def _role(self, action: AddRole | RemoveRole) -> ActionResult:
        member = self._member(action, action.scope, action.user)
        if isinstance(member, ActionResult):
            return member
        if action.role.id not in self.world(action.scope).roles:
            return ActionResult.failure(action, f"no role {action.role.id} here", "not_found")
        (member.roles.add if isinstance(action, AddRole) else member.roles.discard)(action.role.id)
        return ActionResult.success(action)

    async def _thread(self, action: CreateThread) -> ActionResult:
        if action.message is not None and action.message not in self.messages:
            return ActionResult.failure(action, "no such message to start a thread from", "not_found")
        thread = f"thread{next(self._ids)}"
        return ActionResult.success(action, self._new(thread), ref=thread)

    async def _event(self, action: ScheduleEvent | CancelScheduledEvent) -> ActionResult:
        return ActionResult.success(action, ref=action.event or f"event{next(self._ids)}")

    # -- lookups ----------------------------------------------------------------------------

    async def invite_uses(self, scope: str) -> dict[str, int] | None:
        """Invite use counts, when the test gave the scope invites (``world(scope).invites = {}``)."""
        invites = self.scopes.get(scope, Scope()).invites
        return None if invites is None else dict(invites)

    async def create_invite(self, scope: str, channel: ChannelRef) -> tuple[str, str] | None:
        """A new invite with no uses yet (None when the scope has no invites)."""
        world = self.scopes.get(scope)
        if world is None or world.invites is None:
            return None
        code = f"inv{len(world.invites) + 1}"
        world.invites[code] = 0
        return code, f"https://invite.memory/{code}"

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        if user == self.bot_user:
            return await self.bot_member(scope)
        m = self.scopes.get(scope, Scope()).members.get(user.id)
        if m is None or not m.present:
            return None
        return MemberInfo(user=user, name=m.name, display_name=m.name,
                          roles=frozenset(RoleRef(self.platform, r) for r in m.roles), rank=m.rank,
                          is_owner=m.is_owner, joined_at=m.joined_at, created_at=m.joined_at,
                          timed_out_until=m.timed_out_until)

    async def bot_member(self, scope: str) -> MemberInfo | None:
        return MemberInfo(user=self.bot_user, name="steward", rank=100, is_bot=True)

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        name = name if name.startswith("#") else f"#{name}"
        return ChannelRef(self.platform, name[1:]) if name in self.world(scope).channels else None

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        return RoleRef(self.platform, name) if name in self.world(scope).roles else None

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        name, world = text.strip().lstrip("@"), self.world(scope)
        if name == self.bot_user.id:  # Steward is a member of every scope, as on a real platform
            return self.bot_user
        return UserRef(self.platform, name) if name in world.members or name in world.banned else None
