"""An entry as a sender holds it in memory (its row is in ``core_outbox``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from bot.actions import Action, ActionResult


@dataclass(eq=False)
class Entry:
    """An entry the sender holds in memory."""

    key: str
    community: str | None
    platform: str
    lane: str
    channel: str
    action: Action
    not_before: datetime
    expires_at: datetime | None
    attempts: int = 0
    recheck: bool = False  # found ``sending`` at start: it may already have reached the platform
    seq: int = 0
    done: asyncio.Future[ActionResult] | None = field(default=None, repr=False)
    inserted: bool = True  # False when an entry with this key already existed
