"""What an adapter can do on its platform; cogs ask before relying on an action."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    """One platform ability an action needs."""

    SEND = "send"
    EDIT = "edit"
    EPHEMERAL = "ephemeral"
    DIRECT = "direct"
    DELETE = "delete"
    BULK_DELETE = "bulk_delete"
    TIMEOUT = "timeout"
    KICK = "kick"
    BAN = "ban"
    ROLES = "roles"
    REACT = "react"
    BUTTONS = "buttons"
    FORMS = "forms"
    SLOWMODE = "slowmode"
    LOCK = "lock"
    THREADS = "threads"
    SCHEDULED_EVENTS = "scheduled_events"
    HOME = "home"
    READ_MESSAGES = "read_messages"  # inbound: message text arrives (Discord needs the Message Content intent)
