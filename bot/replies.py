"""The answer to the person in front of Steward (a command, a button, a form), as cogs build it."""

from __future__ import annotations

from typing import Any

from bot.actions import Reply
from bot.content import Content, fmt, text
from bot.events import Origin


def reply(event: Any, message: str | Content, ephemeral: bool = True, *, quoting: bool = False) -> Reply:
    """Answer the invoker of ``event`` (ephemeral: only they see it).

    A plain ``str`` is Steward's own text, or with ``quoting`` escaped as a whole (an answer that
    quotes what a member typed); build anything mixed with :func:`bot.content.fmt`.
    """
    content = (fmt("{m}", m=message) if quoting else text(message)) if isinstance(message, str) else message
    origin: Origin = event.origin
    return Reply(origin=origin, content=content, ephemeral=ephemeral)
