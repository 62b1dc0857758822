"""An in-memory adapter and a harness for driving cogs through the real dispatcher in tests."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from bot.actions import (
    Action,
    ActionResult,
    AddRole,
    BanMember,
    KickMember,
    RemoveRole,
    RemoveTimeout,
    Reply,
    SendDirect,
    SendMessage,
    TimeoutMember,
    UnbanMember,
)
from bot.adapter import EventSink
from bot.capabilities import Capability
from bot.clock import ManualClock
from bot.cog import Cog
from bot.commands import CommandSpec
from bot.components import Button
from bot.config.loader import load_config_text
from bot.config.models import CommunityConfig, StewardConfig
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    FormSubmitted,
    MemberJoined,
    MemberLeft,
    MessageEdited,
    MessagePosted,
    Origin,
    ReactionAdded,
)
from bot.refs import ChannelRef, MemberInfo, MessageRef, RoleRef, UserRef
from bot.runtime import Runtime

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


class MemoryAdapter:
    """A platform that exists only in memory and records every action it performs."""

    platform = P

    def __init__(self, scope: str, *, capabilities: Iterable[Capability] | None = None,
                 channels: Iterable[str] = (), roles: Iterable[str] = ()) -> None:
        self.scope = scope
        self.capabilities = frozenset(capabilities) if capabilities is not None else frozenset(Capability)
        self.channels = {"#general", *channels}
        self.roles = set(roles)
        self.members: dict[str, FakeMember] = {}
        self.banned: set[str] = set()
        self.performed: list[Action] = []
        self.refusals: dict[type[Action], str] = {}  # action type -> error, to play a platform's 403
        self.registered: dict[str, list[CommandSpec]] = {}
        self.bot_user = UserRef(P, "steward")
        self.sink: EventSink | None = None
        self._ids = itertools.count(1)

    def scope_of(self, community: CommunityConfig) -> str | None:
        """Every community is on the memory platform, its name its scope."""
        return community.name

    async def start(self, sink: EventSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        self.registered[scope] = list(commands)

    async def perform(self, action: Action) -> ActionResult:
        await asyncio.sleep(0)  # a real platform call yields to the loop; so does this one
        self.performed.append(action)
        if type(action) in self.refusals:
            return ActionResult.failure(action, self.refusals[type(action)], "forbidden")
        match action:
            case TimeoutMember(user=user, until=until):
                if user.id in self.members:
                    self.members[user.id].timed_out_until = until
            case RemoveTimeout(user=user):
                if user.id in self.members:
                    self.members[user.id].timed_out_until = None
            case KickMember(user=user):
                if user.id in self.members:
                    self.members[user.id].present = False
            case BanMember(user=user):
                self.banned.add(user.id)
                if user.id in self.members:
                    self.members[user.id].present = False
            case UnbanMember(user=user):
                if user.id not in self.banned:
                    return ActionResult.failure(action, "not banned", "not_found")
                self.banned.discard(user.id)
            case AddRole(user=user, role=role):
                self.members[user.id].roles.add(role.id)
            case RemoveRole(user=user, role=role):
                self.members[user.id].roles.discard(role.id)
            case SendMessage(channel=channel):
                return ActionResult.success(action, MessageRef(P, channel.id, f"out{next(self._ids)}"))
            case Reply(origin=origin):
                channel_id = origin.channel.id if origin.channel else f"dm:{origin.user.id}"
                return ActionResult.success(action, MessageRef(P, channel_id, f"out{next(self._ids)}"))
            case SendDirect(user=user):
                return ActionResult.success(action, MessageRef(P, f"dm:{user.id}", f"out{next(self._ids)}"))
        return ActionResult.success(action)

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        if user == self.bot_user:
            return await self.bot_member(scope)
        m = self.members.get(user.id)
        if m is None or not m.present:
            return None
        return MemberInfo(user=user, name=m.name, display_name=m.name,
                          roles=frozenset(RoleRef(P, r) for r in m.roles), rank=m.rank,
                          is_owner=m.is_owner, joined_at=m.joined_at, created_at=m.joined_at,
                          timed_out_until=m.timed_out_until)

    async def bot_member(self, scope: str) -> MemberInfo | None:
        return MemberInfo(user=self.bot_user, name="steward", rank=100, is_bot=True)

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        name = name if name.startswith("#") else f"#{name}"
        return ChannelRef(P, name[1:]) if name in self.channels else None

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        return RoleRef(P, name) if name in self.roles else None

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        name = text.strip().lstrip("@")
        return UserRef(P, name) if name in self.members or name in self.banned else None


class Harness:
    """A runtime on the memory platform with a manual clock; each call returns the actions it caused."""

    def __init__(self, runtime: Runtime, adapter: MemoryAdapter, clock: ManualClock) -> None:
        self.runtime = runtime
        self.adapter = adapter
        self.clock = clock
        self._events = itertools.count(1)
        self._messages = itertools.count(1)

    @classmethod
    async def start(cls, config: str | StewardConfig, *, db_url: str, cogs: dict[str, type[Cog]] | None = None,
                    capabilities: Iterable[Capability] | None = None,
                    now: datetime | None = None) -> Harness:
        """Build and start a runtime from YAML text (``storage`` is overridden by ``db_url``)."""
        cogs = dict(cogs or {})
        if isinstance(config, str):
            models: dict[str, type[BaseModel]] = {n: c.settings_model for n, c in cogs.items()}
            config = load_config_text(config, cogs=models, env={})
        config = config.model_copy(update={"storage": config.storage.model_copy(update={"url": db_url})})
        community = config.communities[0]
        adapter = MemoryAdapter(community.name, capabilities=capabilities,
                                channels=community.channels.values(), roles=community.role_names())
        clock = ManualClock(now or datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
        runtime = Runtime(config, cogs=cogs, adapters=[adapter], clock=clock)
        await runtime.start()
        return cls(runtime, adapter, clock)

    async def close(self) -> None:
        """Stop the runtime."""
        await self.runtime.stop()

    def add_member(self, name: str, *roles: str, rank: int | None = None, owner: bool = False) -> UserRef:
        """Put a member on the platform (no join event)."""
        self.adapter.members[name] = FakeMember(name, set(roles), rank if rank is not None else
                                                (20 if roles else 0), owner, joined_at=self.clock.now())
        return UserRef(P, name)

    def user(self, name: str) -> UserRef:
        """The ref of a member by name."""
        return UserRef(P, name)

    def _base(self) -> dict[str, Any]:
        return {"platform": P, "scope": self.adapter.scope, "event_id": f"e{next(self._events)}",
                "occurred_at": self.clock.now()}

    async def send(self, event: Event) -> list[Action]:
        """Deliver an event and return the actions performed while handling it."""
        before = len(self.adapter.performed)
        await self.runtime.handle(event)
        await self.runtime.idle()
        return self.adapter.performed[before:]

    def origin(self, name: str, channel: str = "#general") -> Origin:
        """An interaction origin for a member in a channel."""
        return Origin(platform=P, scope=self.adapter.scope, user=self.user(name),
                      channel=ChannelRef(P, channel.lstrip("#")), token=f"tok{next(self._events)}")

    async def post(self, name: str, text: str, channel: str = "#general", **extra: Any) -> list[Action]:
        """A member posts a message."""
        if name not in self.adapter.members:
            self.add_member(name)
        ref = MessageRef(P, channel.lstrip("#"), f"msg{next(self._messages)}")
        return await self.send(MessagePosted(**self._base(), message=ref, author=self.user(name), author_name=name,
                                             text=text, channel_name=channel, **extra))

    async def edit(self, name: str, message: MessageRef, text: str) -> list[Action]:
        """A member edits a message."""
        return await self.send(MessageEdited(**self._base(), message=message, author=self.user(name),
                                             author_name=name, text=text))

    async def command(self, name: str, line: str, channel: str = "#general") -> list[Action]:
        """A member types ``/name args``."""
        if name not in self.adapter.members:
            self.add_member(name)
        cmd, _, raw = line.lstrip("/").partition(" ")
        return await self.send(CommandInvoked(**self._base(), origin=self.origin(name, channel),
                                              command=cmd, raw=raw))

    async def press(self, name: str, button: Button, channel: str = "#general") -> list[Action]:
        """A member presses a button Steward posted."""
        return await self.send(ButtonPressed(**self._base(), origin=self.origin(name, channel),
                                             action=button.action, value=button.value))

    async def submit(self, name: str, action: str, fields: dict[str, str], value: str = "") -> list[Action]:
        """A member submits a form."""
        return await self.send(FormSubmitted(**self._base(), origin=self.origin(name), action=action,
                                             value=value, fields=fields))

    async def join(self, name: str) -> list[Action]:
        """A member joins."""
        self.add_member(name)
        return await self.send(MemberJoined(**self._base(), member=self.user(name), name=name,
                                            account_created_at=self.clock.now()))

    async def leave(self, name: str) -> list[Action]:
        """A member leaves."""
        if name in self.adapter.members:
            self.adapter.members[name].present = False
        return await self.send(MemberLeft(**self._base(), member=self.user(name), name=name))

    async def react(self, name: str, message: MessageRef, emoji: str) -> list[Action]:
        """A member reacts to a message."""
        return await self.send(ReactionAdded(**self._base(), message=message, user=self.user(name), emoji=emoji))

    async def advance(self, **delta: float) -> list[Action]:
        """Move the clock (``minutes=10``) and return the actions due work performed."""
        from datetime import timedelta

        before = len(self.adapter.performed)
        await self.clock.advance(timedelta(**delta))
        await self.runtime.idle()
        return self.adapter.performed[before:]


def texts(actions: Sequence[Action]) -> list[str]:
    """The plain text of every message-like action, for assertions."""
    out = []
    for a in actions:
        content = getattr(a, "content", None)
        if content is not None:
            out.append(content.plain())
    return out
