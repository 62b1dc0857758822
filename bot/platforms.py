"""The running platform adapters, keyed by platform name: member lookups, capabilities, Steward itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from bot.adapter import Adapter, EventSink
from bot.capabilities import Capability
from bot.commands import Resolver
from bot.community import Community
from bot.config.models import CommunityConfig
from bot.events import ButtonPressed, CommandInvoked, Event, FormSubmitted, event_user
from bot.permissions import Level
from bot.refs import ChannelRef, MemberInfo, UserRef
from bot.storage.database import Database


class Platforms:
    """Every adapter that runs in this process; the core asks them by platform name only."""

    def __init__(self, adapters: Iterable[Adapter]) -> None:
        self.adapters: dict[str, Adapter] = {a.platform: a for a in adapters}

    async def start(self, db: Database, sink: EventSink, idle: Callable[[], Awaitable[None]] | None = None) -> None:
        """Connect every adapter; those that keep state (Slack installations) get the database first, and
        those that take one input at a time (the console) ``idle``: a wait until what it caused is done."""
        for adapter in self.adapters.values():
            attach = getattr(adapter, "attach_storage", None)
            if attach is not None:
                await attach(db)
            waits = getattr(adapter, "attach_idle", None)
            if waits is not None and idle is not None:
                waits(idle)
            await adapter.start(sink)

    async def stop(self) -> None:
        """Disconnect every adapter."""
        for adapter in self.adapters.values():
            await adapter.stop()

    def get(self, platform: str) -> Adapter | None:
        """The adapter of a platform, or None when it is not running."""
        return self.adapters.get(platform)

    def names(self) -> list[str]:
        """The running platforms."""
        return list(self.adapters)

    def capabilities(self, platform: str) -> frozenset[Capability]:
        """What the platform's adapter can do (nothing when it is not running)."""
        adapter = self.adapters.get(platform)
        return adapter.capabilities if adapter else frozenset()

    def scopes_of(self, community: CommunityConfig) -> dict[str, str]:
        """The community's scope on each running platform, as each adapter reads its own section."""
        return {p: scope for p, adapter in self.adapters.items() if (scope := adapter.scope_of(community)) is not None}

    def resolver(self, platform: str) -> Resolver:
        """The name lookups (members, channels, roles) of one platform."""
        adapter = self.adapters.get(platform)
        if adapter is None:
            raise LookupError(f"platform {platform} is not running")
        return adapter

    async def member(self, platform: str, scope: str, user: UserRef) -> MemberInfo | None:
        """A member as their platform knows them, or None."""
        adapter = self.adapters.get(platform)
        return None if adapter is None else await adapter.member(scope, user)

    async def bot_member(self, platform: str, scope: str) -> MemberInfo | None:
        """Steward's own member in a scope."""
        adapter = self.adapters.get(platform)
        return None if adapter is None else await adapter.bot_member(scope)

    async def invite_uses(self, platform: str, scope: str) -> dict[str, int] | None:
        """Each invite code's use count (analytics compares them at a join); None where the platform has none."""
        lookup = getattr(self.adapters.get(platform), "invite_uses", None)
        if lookup is None:
            return None
        uses = await lookup(scope)  # None too when the platform may not list them (a missing permission)
        return None if uses is None else dict(uses)

    async def create_invite(self, platform: str, scope: str, channel: ChannelRef) -> tuple[str, str] | None:
        """A new invite to ``channel``: its code and URL; None where the platform has no invite links."""
        make = getattr(self.adapters.get(platform), "create_invite", None)
        return None if make is None else await make(scope, channel)

    def is_self(self, event: Event) -> bool:
        """Whether Steward itself caused the event."""
        me = getattr(self.adapters.get(event.platform), "bot_user", None)
        if me is None:
            return False
        user = event_user(event)  # compared field by field: a UserRef's == builds two tuples, on every event
        return user is not None and user.id == me.id and user.platform == me.platform

    async def level(self, community: Community, event: Event) -> Level:
        """The level of the member behind an interaction (plain events are member level)."""
        user = event_user(event)
        if user is None or not isinstance(event, (CommandInvoked, ButtonPressed, FormSubmitted)):
            return Level.MEMBER
        return community.level_of(await self.member(event.platform, event.scope, user))
