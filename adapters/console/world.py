"""The console's small world: members, roles, channels and messages kept in memory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.clock import Clock
from bot.components import Button, Select
from bot.refs import RoleRef, UserRef


@dataclass
class ConsoleMember:
    """A member typed into existence."""

    name: str
    joined_at: datetime
    roles: set[str] = field(default_factory=set)
    timed_out_until: datetime | None = None
    present: bool = True
    display_name: str | None = None

    @property
    def shown(self) -> str:
        """The name others see: the display name if one was set, else the member name."""
        return self.display_name or self.name


@dataclass
class ConsoleMessage:
    """A message as printed, kept for presses, reactions, edits and deletions."""

    id: str
    channel: str
    author: str
    text: str
    buttons: tuple[Button, ...] = ()
    select: Select | None = None
    deleted: bool = False
    thread: str = ""  # the thread's name when the message is in one

    def choices(self) -> list[str]:
        """The labels a press can pick, numbered from 1: the buttons, else the select's options."""
        if self.buttons:
            return [b.label for b in self.buttons]
        return [o.label for o in self.select.options] if self.select is not None else []


@dataclass
class OpenFormState:
    """A form a member is filling in, one field per line."""

    action: str
    value: str
    title: str
    fields: list[tuple[str, str, bool]]
    channel: str
    answers: dict[str, str] = field(default_factory=dict)

    @property
    def index(self) -> int:
        """How many fields are answered."""
        return len(self.answers)


class Stage(Protocol):
    """The console world as the typist acts on it (the adapter is one)."""

    platform: str
    scope: str
    clock: Clock
    bot_user: UserRef
    peers: Any  # the other sides' adapters by platform, when the console plays several platforms
    members: dict[str, ConsoleMember]
    banned: set[str]
    messages: dict[str, ConsoleMessage]
    forms: dict[str, OpenFormState]
    channels: set[str]
    current: str
    done: asyncio.Event
    out: Callable[[str], None]

    async def emit(self, event: Any) -> None:
        """Hand an event to the runtime and wait until it is handled."""

    def base(self) -> dict[str, Any]:
        """The fields every console event shares (platform, scope, a fresh event id, the time)."""

    def next_id(self) -> int:
        """The next message number."""

    def print_message(self, msg: ConsoleMessage) -> None:
        """Print a message with its id and choices."""

    def prompt(self, state: OpenFormState) -> None:
        """Print the next field of an open form."""

    def blocked(self, member: ConsoleMember, channel: str) -> str | None:
        """Why the platform would refuse ``member`` posting in ``channel`` now, or None."""

    def posted(self, member: ConsoleMember, channel: str) -> None:
        """Record a post (slow mode counts from it)."""

    def known_roles(self) -> set[str]:
        """Every role the config names."""

    async def resolve_role(self, scope: str, name: str) -> RoleRef | None:
        """A role by name."""
