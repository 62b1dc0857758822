"""A harness that drives cogs through the real runtime and dispatcher on memory platforms."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from bot.actions import Action
from bot.capabilities import Capability
from bot.clock import ManualClock
from bot.cog import Cog
from bot.components import Button
from bot.config.loader import load_config_text
from bot.config.models import StewardConfig
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
from bot.refs import ChannelRef, MessageRef, UserRef
from bot.runtime import Runtime
from bot.testing.memory import FakeMember, MemoryAdapter, P


class Harness:
    """A runtime on memory platforms with a manual clock; each call returns the actions it caused.

    By default one platform (``memory``) and the config's first community. ``platforms`` runs
    several at once; ``platform=`` and ``community=`` on each call pick where the member is.
    """

    def __init__(self, runtime: Runtime, adapters: Sequence[MemoryAdapter], clock: ManualClock) -> None:
        self.runtime = runtime
        self.adapters = {a.platform: a for a in adapters}
        self.adapter = adapters[0]
        self.clock = clock
        self.performed = self.adapter.performed  # shared by every adapter of the harness
        self._events = itertools.count(1)
        self._messages = itertools.count(1)

    @classmethod
    async def start(cls, config: str | StewardConfig, *, db_url: str, cogs: dict[str, type[Cog]] | None = None,
                    capabilities: Iterable[Capability] | Mapping[str, Iterable[Capability]] | None = None,
                    now: datetime | None = None,
                    platforms: Sequence[str] = (P,)) -> Harness:
        """Build and start a runtime from YAML text (``storage`` is overridden by ``db_url``)."""
        cogs = dict(cogs or {})
        if isinstance(config, str):
            models: dict[str, type[BaseModel]] = {n: c.settings_model for n, c in cogs.items()}
            config = load_config_text(config, cogs=models, env={})
        config = config.model_copy(update={"storage": config.storage.model_copy(update={"url": db_url})})
        community = config.communities[0]
        performed: list[Action] = []

        def caps(platform: str) -> list[Capability] | None:  # one set for every platform, or one per platform
            chosen = capabilities.get(platform) if isinstance(capabilities, Mapping) else capabilities
            return None if chosen is None else list(chosen)

        adapters = [MemoryAdapter(community.name, platform=p, capabilities=caps(p), channels=community.channel_names(),
                                  roles=community.role_names(), performed=performed) for p in platforms]
        for adapter in adapters:  # each community's channels and roles exist on every memory platform
            for cc in config.communities[1:]:
                adapter.world(cc.name, cc.channel_names(), cc.role_names())
        clock = ManualClock(now or datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
        runtime = Runtime(config, cogs=cogs, adapters=adapters, clock=clock)
        try:
            await runtime.start()
        except BaseException:
            await runtime.stop()  # as `steward run` does after a failed start
            raise
        return cls(runtime, adapters, clock)

    async def close(self) -> None:
        """Stop the runtime."""
        await self.runtime.stop()

    def _at(self, platform: str | None, community: str | None) -> tuple[MemoryAdapter, str]:
        adapter = self.adapters[platform] if platform else self.adapter
        return adapter, community or adapter.scope

    def add_member(self, name: str, *roles: str, rank: int | None = None, owner: bool = False,
                   platform: str | None = None, community: str | None = None) -> UserRef:
        """Put a member on the platform (no join event)."""
        adapter, scope = self._at(platform, community)
        adapter.world(scope).members[name] = FakeMember(name, set(roles), rank if rank is not None else
                                                        (20 if roles else 0), owner, joined_at=self.clock.now())
        return UserRef(adapter.platform, name)

    def _ensure(self, name: str, platform: str | None, community: str | None) -> None:
        adapter, scope = self._at(platform, community)
        if name not in adapter.world(scope).members:
            self.add_member(name, platform=platform, community=community)

    def user(self, name: str, platform: str | None = None) -> UserRef:
        """The ref of a member by name."""
        return UserRef(platform or self.adapter.platform, name)

    def _base(self, platform: str | None = None, community: str | None = None) -> dict[str, Any]:
        adapter, scope = self._at(platform, community)
        return {"platform": adapter.platform, "scope": scope, "event_id": f"e{next(self._events)}",
                "occurred_at": self.clock.now()}

    async def send(self, event: Event) -> list[Action]:
        """Deliver an event and return the actions performed while handling it."""
        before = len(self.performed)
        await self.runtime.handle(event)
        await self.runtime.idle()
        return self.performed[before:]

    def origin(self, name: str, channel: str = "#general", *, platform: str | None = None,
               community: str | None = None) -> Origin:
        """An interaction origin for a member in a channel."""
        adapter, scope = self._at(platform, community)
        return Origin(platform=adapter.platform, scope=scope, user=self.user(name, adapter.platform),
                      channel=ChannelRef(adapter.platform, channel.lstrip("#")), token=f"tok{next(self._events)}")

    async def post(self, name: str, text: str, channel: str = "#general", *, platform: str | None = None,
                   community: str | None = None, **extra: Any) -> list[Action]:
        """A member posts a message."""
        self._ensure(name, platform, community)
        adapter, _scope = self._at(platform, community)
        ref = MessageRef(adapter.platform, channel.lstrip("#"), f"msg{next(self._messages)}")
        adapter.exists(ref)
        return await self.send(MessagePosted(**self._base(platform, community), message=ref,
                                             author=self.user(name, adapter.platform), author_name=name,
                                             text=text, channel_name=channel, **extra))

    async def edit(self, name: str, message: MessageRef, text: str, *, community: str | None = None) -> list[Action]:
        """A member edits a message (which therefore exists)."""
        self.adapters[message.platform].exists(message)
        return await self.send(MessageEdited(**self._base(message.platform, community), message=message,
                                             author=self.user(name, message.platform), author_name=name, text=text))

    async def command(self, name: str, line: str, channel: str = "#general", *, platform: str | None = None,
                      community: str | None = None) -> list[Action]:
        """A member types ``/name args``."""
        self._ensure(name, platform, community)
        cmd, _, raw = line.lstrip("/").partition(" ")
        origin = self.origin(name, channel, platform=platform, community=community)
        return await self.send(CommandInvoked(**self._base(platform, community), command=cmd, raw=raw, origin=origin))

    async def press(self, name: str, button: Button, channel: str = "#general", *, platform: str | None = None,
                    community: str | None = None) -> list[Action]:
        """A member presses a button Steward posted."""
        return await self.send(ButtonPressed(**self._base(platform, community), action=button.action,
                                             value=button.value,
                                             origin=self.origin(name, channel, platform=platform, community=community)))

    async def submit(self, name: str, action: str, fields: dict[str, str], value: str = "", *,
                     platform: str | None = None, community: str | None = None) -> list[Action]:
        """A member submits a form."""
        return await self.send(FormSubmitted(**self._base(platform, community), action=action, value=value,
                                             fields=fields,
                                             origin=self.origin(name, platform=platform, community=community)))

    async def join(self, name: str, *, platform: str | None = None, community: str | None = None) -> list[Action]:
        """A member joins."""
        user = self.add_member(name, platform=platform, community=community)
        return await self.send(MemberJoined(**self._base(platform, community), member=user, name=name,
                                            account_created_at=self.clock.now()))

    async def leave(self, name: str, *, platform: str | None = None, community: str | None = None) -> list[Action]:
        """A member leaves."""
        adapter, scope = self._at(platform, community)
        member = adapter.world(scope).members.get(name)
        if member is not None:
            member.present = False
        return await self.send(MemberLeft(**self._base(platform, community), member=self.user(name, adapter.platform),
                                          name=name))

    async def react(self, name: str, message: MessageRef, emoji: str, *, community: str | None = None) -> list[Action]:
        """A member reacts to a message."""
        return await self.send(ReactionAdded(**self._base(message.platform, community), message=message,
                                             user=self.user(name, message.platform), emoji=emoji))

    async def advance(self, **delta: float) -> list[Action]:
        """Move the clock (``minutes=10``) and return the actions due work performed."""
        before = len(self.performed)
        await self.clock.advance(timedelta(**delta))
        await self.runtime.idle()
        return self.performed[before:]


def texts(actions: Sequence[Action]) -> list[str]:
    """The plain text of every message-like action, for assertions."""
    out = []
    for a in actions:
        content = getattr(a, "content", None)
        if content is not None:
            out.append(content.plain())
    return out
