"""Inbound events: platform-neutral, frozen, named in the past tense.

``scope`` is the platform's container (Discord guild id, Slack team id, console community);
the dispatcher fills ``community`` from it. Every text field is made encodable on the way in
(a lone surrogate becomes U+FFFD), so no handler meets a string no platform or codec can hold.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeVar

from bot.encodable import clean
from bot.refs import ChannelRef, MessageRef, RoleRef, UserRef

_TEXT_FIELDS: dict[type, tuple[str, ...]] = {}


def clean_value(value: Any) -> Any:
    """``value`` with every string in it (also in tuples and dict values) passed through ``clean``."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, tuple) and any(isinstance(v, str) for v in value):
        cleaned = tuple(clean_value(v) for v in value)
        return value if cleaned == value else cleaned
    if isinstance(value, dict) and value:
        cleaned_dict = {clean_value(k): clean_value(v) for k, v in value.items()}
        return value if cleaned_dict == value else cleaned_dict
    return value


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an interaction came from, so a reply or form can go back to it."""

    platform: str
    scope: str
    user: UserRef
    channel: ChannelRef | None = None
    token: str | None = None
    message: MessageRef | None = None


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every inbound event."""

    platform: str
    scope: str
    event_id: str
    occurred_at: datetime
    community: str | None = None

    def __post_init__(self) -> None:
        names = _TEXT_FIELDS.get(type(self))
        if names is None:
            names = _TEXT_FIELDS[type(self)] = tuple(f.name for f in fields(self))
        for name in names:
            value = getattr(self, name)
            cleaned = clean_value(value)
            if cleaned is not value:
                object.__setattr__(self, name, cleaned)


E = TypeVar("E", bound=Event)
_setattr = object.__setattr__  # past the frozen dataclass's own __setattr__


def with_community(event: E, community: str) -> E:
    """The event with ``community`` set.

    An event no community has claimed yet (every inbound event, as its adapter made it) is stamped in
    place: nothing reads its community before the dispatcher sets it, and copying its fields costs a
    microsecond on every message. One already stamped for another community is copied.
    """
    if event.community == community:
        return event
    if event.community is None:
        _setattr(event, "community", community)
        return event
    return dataclasses.replace(event, community=community)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content_type: str = ""
    size: int = 0
    url: str = ""


@dataclass(frozen=True, kw_only=True)
class MessagePosted(Event):
    """A member (or bot) posted a message."""

    message: MessageRef
    author: UserRef
    author_name: str
    text: str
    channel_name: str = ""
    is_dm: bool = False
    is_bot: bool = False
    attachments: tuple[Attachment, ...] = ()
    mentions: tuple[UserRef, ...] = ()
    role_mentions: tuple[RoleRef, ...] = ()
    mentions_everyone: bool = False
    reply_to: MessageRef | None = None

    @property
    def channel(self) -> ChannelRef:
        """The channel the message is in."""
        return self.message.channel


@dataclass(frozen=True, kw_only=True)
class MessageEdited(Event):
    """A message's text changed; ``before`` is None when the old text was not cached."""

    message: MessageRef
    author: UserRef
    author_name: str
    text: str
    before: str | None = None
    channel_name: str = ""
    is_bot: bool = False
    mentions: tuple[UserRef, ...] = ()
    mentions_everyone: bool = False

    @property
    def channel(self) -> ChannelRef:
        """The channel the message is in."""
        return self.message.channel


@dataclass(frozen=True, kw_only=True)
class MessageDeleted(Event):
    """A message was deleted."""

    message: MessageRef


@dataclass(frozen=True, kw_only=True)
class MemberJoined(Event):
    """A member joined the community scope."""

    member: UserRef
    name: str
    display_name: str = ""
    is_bot: bool = False
    account_created_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class MemberLeft(Event):
    """A member left (or was removed from) the community scope."""

    member: UserRef
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class AccountDeleted(Event):
    """The platform says an account was deleted (Slack: a ``user_change`` whose user is ``deleted``); the core
    erases its person's data in every feature, as ``/forget`` does."""

    member: UserRef


@dataclass(frozen=True, kw_only=True)
class MemberUpdated(Event):
    """A member's name or roles changed."""

    member: UserRef
    name: str
    display_name: str = ""
    before_display_name: str | None = None
    roles: tuple[RoleRef, ...] = ()
    before_roles: tuple[RoleRef, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class ReactionAdded(Event):
    """A member reacted to a message."""

    message: MessageRef
    user: UserRef
    emoji: str


@dataclass(frozen=True, kw_only=True)
class CommandInvoked(Event):
    """A member invoked a command.

    Text platforms fill ``raw`` (the argument string); platforms with typed options fill
    ``options`` (name -> platform value). The dispatcher turns either into typed arguments.
    """

    origin: Origin
    command: str
    raw: str | None = None
    options: dict[str, object] = field(default_factory=dict)

    @property
    def user(self) -> UserRef:
        """Who invoked it."""
        return self.origin.user


@dataclass(frozen=True, kw_only=True)
class ButtonPressed(Event):
    """A member pressed a button or chose from a select Steward posted."""

    origin: Origin
    action: str
    value: str = ""
    values: tuple[str, ...] = ()

    @property
    def user(self) -> UserRef:
        """Who pressed it."""
        return self.origin.user


@dataclass(frozen=True, kw_only=True)
class FormSubmitted(Event):
    """A member submitted a form Steward opened."""

    origin: Origin
    action: str
    value: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> UserRef:
        """Who submitted it."""
        return self.origin.user


@dataclass(frozen=True, kw_only=True)
class FormCancelled(Event):
    """A member closed a form without submitting it."""

    origin: Origin
    action: str
    value: str = ""


@dataclass(frozen=True, kw_only=True)
class MessageShared(Event):
    """A member handed a message to Steward with a platform's message action (Slack's message
    shortcut); ``action`` names which one (``feedback`` for "Send to feedback")."""

    origin: Origin
    action: str
    message: MessageRef
    author: UserRef
    text: str

    @property
    def user(self) -> UserRef:
        """Who shared it."""
        return self.origin.user


@dataclass(frozen=True, kw_only=True)
class HomeOpened(Event):
    """A member opened Steward's home view (Slack's App Home); cogs answer with ``ShowOnHome``."""

    user: UserRef


@dataclass(frozen=True, kw_only=True)
class InterestChanged(Event):
    """A member marked (``interested``) or took back interest in one of the platform's native scheduled
    events (Discord's "Interested" on a Scheduled Event); ``native`` is the platform's id of that event.

    Platforms without native events (Slack, the console) never send it.
    """

    native: str
    user: UserRef
    interested: bool


def event_user(event: Event) -> UserRef | None:
    """The member behind an event, if there is one."""
    for attr in ("author", "member", "user"):
        value = getattr(event, attr, None)
        if isinstance(value, UserRef):
            return value
    return None
