"""An entry as a sender holds it in memory (its row is in ``core_outbox``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.actions import Action, ActionResult
from bot.clock import utc
from bot.outbox import rules
from bot.outbox.codec import decode
from bot.outbox.table import SENDING


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

    @classmethod
    def from_row(cls, row: Any, seq: int) -> Entry:
        """The entry of a ``core_outbox`` row; raises CodecError or TypeError when its action is unreadable."""
        return cls(row.key, row.community, row.platform, row.lane, row.channel, decode(row.action),
                   utc(row.not_before), row.expires_at and utc(row.expires_at), int(row.attempts),
                   recheck=row.status == SENDING, seq=seq)

    def order(self) -> tuple[int, int]:
        """Where the entry stands in its channel's queue: by lane, then by age."""
        return rules.LANES.index(self.lane), self.seq


def forget_staged(sync_session: Any, _previous: Any) -> None:
    """A rolled-back transaction's entries are not sent (listened for on the session that staged them)."""
    sync_session.info.pop("outbox", None)
