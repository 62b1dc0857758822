"""The contract every platform adapter fulfils."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.actions import Action, ActionResult
from bot.capabilities import Capability
from bot.config.models import CommunityConfig
from bot.events import Event
from bot.refs import ChannelRef, MemberInfo, RoleRef, UserRef

if TYPE_CHECKING:
    from bot.commands import CommandSpec

EventSink = Callable[[Event], Awaitable[None]]


@runtime_checkable
class Adapter(Protocol):
    """A chat platform as the core sees it.

    ``start`` connects and begins feeding events to ``sink``; it returns once connected.
    Adapters translate platform payloads into events and perform actions; they own every
    platform detail (ids, escaping, rate limits, retries).

    Optional members the runtime uses when present: ``bot_user: UserRef`` (its own messages
    are ignored), ``migrations: Path`` (an Alembic versions folder with its own branch label),
    ``async attach_storage(db)`` (called with the opened database before ``start``),
    ``async invite_uses(scope) -> dict[str, int] | None`` (each invite code's use count, for join
    sources) and ``async create_invite(scope, channel) -> tuple[str, str] | None`` (a new invite's
    code and URL); a platform without invite links (Slack, the console) leaves the last two out.
    Start-up problems are raised as :class:`bot.errors.StartupError` with a clear message.
    """

    platform: str
    capabilities: frozenset[Capability]

    def scope_of(self, community: CommunityConfig) -> str | None:
        """The community's scope on this platform (read from its own config section), or None."""

    async def start(self, sink: EventSink) -> None:
        """Connect and start delivering events."""

    async def stop(self) -> None:
        """Disconnect."""

    async def perform(self, action: Action) -> ActionResult:
        """Perform one action the adapter declared a capability for."""

    async def register_commands(self, scope: str, commands: Sequence[CommandSpec]) -> None:
        """Publish the commands of a scope (slash commands on Discord; no-op on text UIs)."""

    async def member(self, scope: str, user: UserRef) -> MemberInfo | None:
        """Look a member up; None when they are not in the scope."""

    async def bot_member(self, scope: str) -> MemberInfo | None:
        """Steward's own member in the scope (for hierarchy checks)."""

    async def resolve_channel(self, scope: str, name: str) -> ChannelRef | None:
        """A channel by ``#name``, mention or id."""

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        """A role (user group on Slack) by name, mention or id."""

    async def resolve_member(self, scope: str, text: str) -> UserRef | None:
        """A member by ``@name``, mention or id."""
