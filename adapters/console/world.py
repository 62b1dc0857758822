"""The console's small world: members, roles, channels and messages kept in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.components import Button, Select


@dataclass
class ConsoleMember:
    """A member typed into existence."""

    name: str
    joined_at: datetime
    roles: set[str] = field(default_factory=set)
    timed_out_until: datetime | None = None
    present: bool = True


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
