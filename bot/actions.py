"""Outbound actions: what handlers ask an adapter to do, named in the imperative.

Every action names the :class:`Capability` it needs; the dispatcher checks the adapter's
declared capabilities before performing and reports what it could not do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from bot.capabilities import Capability
from bot.components import Form
from bot.content import Content
from bot.events import Origin
from bot.refs import ChannelRef, MessageRef, RoleRef, UserRef


@dataclass(frozen=True, kw_only=True)
class Action:
    """Base of every action; ``reason`` goes to the platform's audit log where it has one."""

    capability: ClassVar[Capability]
    reason: str = ""

    @property
    def platform(self) -> str:
        """The platform that performs the action."""
        raise NotImplementedError

    def needs(self) -> frozenset[Capability]:
        """Every capability this action needs (a message with files needs ``FILES`` too)."""
        return frozenset((self.capability,))


@dataclass(frozen=True, slots=True)
class File:
    """A file sent with a message (an .ics, a PNG chart, a CSV); ``name`` is what people see."""

    name: str
    data: bytes
    content_type: str = "application/octet-stream"

    @property
    def size(self) -> int:
        """Bytes."""
        return len(self.data)

    def label(self) -> str:
        """``name (12.3 KB)`` for text renderings."""
        size = self.size
        human = f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB" if size < 1024 ** 2 else \
            f"{size / 1024 ** 2:.1f} MB"
        return f"{self.name} ({human})"


@dataclass(frozen=True, kw_only=True)
class SendMessage(Action):
    """Post a message in a channel."""

    capability: ClassVar[Capability] = Capability.SEND
    channel: ChannelRef
    content: Content
    reply_to: MessageRef | None = None
    files: tuple[File, ...] = ()
    thread: MessageRef | None = None  # post in this thread: the ``message`` a CreateThread returned

    @property
    def platform(self) -> str:
        return self.channel.platform

    def needs(self) -> frozenset[Capability]:
        extra = {Capability.FILES} if self.files else set()
        if self.thread is not None:
            extra.add(Capability.THREADS)
        return frozenset({Capability.SEND, *extra})


@dataclass(frozen=True, kw_only=True)
class Reply(Action):
    """Answer an interaction (command, button, form); ephemeral shows it to the invoker only."""

    capability: ClassVar[Capability] = Capability.SEND
    origin: Origin
    content: Content
    ephemeral: bool = True

    @property
    def platform(self) -> str:
        return self.origin.platform


@dataclass(frozen=True, kw_only=True)
class EditMessage(Action):
    """Replace the content of a message Steward posted."""

    capability: ClassVar[Capability] = Capability.EDIT
    message: MessageRef
    content: Content

    @property
    def platform(self) -> str:
        return self.message.platform


@dataclass(frozen=True, kw_only=True)
class SendDirect(Action):
    """Send a direct message; where DMs are closed the adapter reports ``dm_closed``."""

    capability: ClassVar[Capability] = Capability.DIRECT
    user: UserRef
    content: Content
    scope: str = ""
    fallback: ChannelRef | None = None  # where it goes when they turned DMs off (else their last channel)

    @property
    def platform(self) -> str:
        return self.user.platform


@dataclass(frozen=True, kw_only=True)
class DeleteMessage(Action):
    """Delete a message."""

    capability: ClassVar[Capability] = Capability.DELETE
    message: MessageRef

    @property
    def platform(self) -> str:
        return self.message.platform


@dataclass(frozen=True, kw_only=True)
class BulkDelete(Action):
    """Delete several messages of one channel."""

    capability: ClassVar[Capability] = Capability.BULK_DELETE
    channel: ChannelRef
    messages: tuple[MessageRef, ...]

    @property
    def platform(self) -> str:
        return self.channel.platform


@dataclass(frozen=True, kw_only=True)
class _MemberAction(Action):
    scope: str
    user: UserRef

    @property
    def platform(self) -> str:
        return self.user.platform


@dataclass(frozen=True, kw_only=True)
class TimeoutMember(_MemberAction):
    """Stop a member from talking until ``until``."""

    capability: ClassVar[Capability] = Capability.TIMEOUT
    until: datetime


@dataclass(frozen=True, kw_only=True)
class RemoveTimeout(_MemberAction):
    """End a member's timeout."""

    capability: ClassVar[Capability] = Capability.TIMEOUT


@dataclass(frozen=True, kw_only=True)
class KickMember(_MemberAction):
    """Remove a member (they may rejoin)."""

    capability: ClassVar[Capability] = Capability.KICK


MAX_DELETE_HISTORY = timedelta(days=7)  # the most any platform removes with a ban (Discord's limit)


@dataclass(frozen=True, kw_only=True)
class BanMember(_MemberAction):
    """Ban a member, removing their recent messages (up to :data:`MAX_DELETE_HISTORY` back)."""

    capability: ClassVar[Capability] = Capability.BAN
    delete_history: timedelta = timedelta(0)


@dataclass(frozen=True, kw_only=True)
class UnbanMember(_MemberAction):
    """Lift a ban."""

    capability: ClassVar[Capability] = Capability.BAN


@dataclass(frozen=True, kw_only=True)
class AddRole(_MemberAction):
    """Give a member a role."""

    capability: ClassVar[Capability] = Capability.ROLES
    role: RoleRef


@dataclass(frozen=True, kw_only=True)
class RemoveRole(_MemberAction):
    """Take a role from a member."""

    capability: ClassVar[Capability] = Capability.ROLES
    role: RoleRef


@dataclass(frozen=True, kw_only=True)
class AddReaction(Action):
    """React to a message."""

    capability: ClassVar[Capability] = Capability.REACT
    message: MessageRef
    emoji: str

    @property
    def platform(self) -> str:
        return self.message.platform


@dataclass(frozen=True, kw_only=True)
class OpenForm(Action):
    """Open a form for the member behind an interaction."""

    capability: ClassVar[Capability] = Capability.FORMS
    origin: Origin
    form: Form

    @property
    def platform(self) -> str:
        return self.origin.platform


@dataclass(frozen=True, kw_only=True)
class ShowOnHome(Action):
    """Show one section on a member's home view; sections of several cogs are shown together.

    ``section`` is the heading and the key: a later action with the same key replaces the
    earlier one. Lower ``order`` comes first.
    """

    capability: ClassVar[Capability] = Capability.HOME
    scope: str
    user: UserRef
    section: str
    content: Content
    order: int = 0

    @property
    def platform(self) -> str:
        return self.user.platform


@dataclass(frozen=True, kw_only=True)
class SetSlowmode(Action):
    """Limit how often each member may post in a channel (0 turns it off)."""

    capability: ClassVar[Capability] = Capability.SLOWMODE
    channel: ChannelRef
    seconds: int

    @property
    def platform(self) -> str:
        return self.channel.platform


@dataclass(frozen=True, kw_only=True)
class LockChannel(Action):
    """Stop members (not moderators) from posting in a channel; ``locked=False`` unlocks."""

    capability: ClassVar[Capability] = Capability.LOCK
    channel: ChannelRef
    locked: bool = True

    @property
    def platform(self) -> str:
        return self.channel.platform


@dataclass(frozen=True, kw_only=True)
class CreateThread(Action):
    """Open a thread in a channel, from ``message`` when given; the result's ``message`` is in the
    thread (pass it as ``SendMessage.thread`` to reply there) and ``ref`` is the thread's id."""

    capability: ClassVar[Capability] = Capability.THREADS
    channel: ChannelRef
    name: str
    message: MessageRef | None = None
    content: Content | None = None
    auto_archive: timedelta = timedelta(days=1)

    @property
    def platform(self) -> str:
        return self.channel.platform


@dataclass(frozen=True, kw_only=True)
class _ScopedAction(Action):
    platform_name: str
    scope: str

    @property
    def platform(self) -> str:
        return self.platform_name


@dataclass(frozen=True, kw_only=True)
class ScheduleEvent(_ScopedAction):
    """Create a native scheduled event, or edit the one whose platform id is ``event``.

    The result's ``ref`` is the event's platform id. ``channel`` makes it a voice/stage event,
    otherwise ``location`` (required by the platform then) and ``end`` describe an external one.
    """

    capability: ClassVar[Capability] = Capability.SCHEDULED_EVENTS
    name: str
    start: datetime
    end: datetime | None = None
    description: str = ""
    location: str = ""
    channel: ChannelRef | None = None
    event: str = ""


@dataclass(frozen=True, kw_only=True)
class CancelScheduledEvent(_ScopedAction):
    """Cancel a native scheduled event by its platform id."""

    capability: ClassVar[Capability] = Capability.SCHEDULED_EVENTS
    event: str


def map_content(action: Action, change: Callable[[Content], Content]) -> Action:
    """The action with its message content changed (an adapter spelling it); other actions as they are."""
    content = getattr(action, "content", None)
    if not isinstance(content, Content):
        return action
    changed = change(content)
    return action if changed is content else dataclasses.replace(action, content=changed)  # type: ignore[call-arg]


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The outcome of one action; ``error`` is a short reason people can read."""

    action: Action
    ok: bool
    error: str = ""
    code: str = ""
    message: MessageRef | None = None
    ref: str = ""

    @classmethod
    def success(cls, action: Action, message: MessageRef | None = None, ref: str = "") -> ActionResult:
        """A performed action; ``ref`` is the platform id of what it created (a scheduled event)."""
        return cls(action, True, message=message, ref=ref)

    @classmethod
    def failure(cls, action: Action, error: str, code: str = "failed") -> ActionResult:
        """An action that was not performed, with the reason."""
        return cls(action, False, error=error, code=code)
