"""An entry as a sender holds it in memory (its row is in ``core_outbox``)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
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
    after: str | None = None  # the entry this one follows (bot.outbox.chain)
    if_not: str | None = None

    @classmethod
    def from_row(cls, row: Any, seq: int) -> Entry:
        """The entry of a ``core_outbox`` row; raises CodecError or TypeError when its action is unreadable."""
        return cls(row.key, row.community, row.platform, row.lane, row.channel, decode(row.action),
                   utc(row.not_before), row.expires_at and utc(row.expires_at), int(row.attempts),
                   recheck=row.status == SENDING, seq=seq, after=row.after, if_not=row.if_not)

    def redirect(self, action: Action, lane: str, now: datetime) -> None:
        """The entry sends ``action`` instead (a refused DM posted in a channel), from ``now``, afresh."""
        self.action, self.channel, self.lane = action, rules.channel_of(action), lane
        self.not_before, self.attempts = now, 0

    def order(self) -> tuple[int, int]:
        """Where the entry stands in its channel's queue: by lane, then by age."""
        return rules.LANES.index(self.lane), self.seq


def forget_staged(sync_session: Any, _previous: Any) -> None:
    """A rolled-back transaction's entries are not sent (listened for on the session that staged them)."""
    sync_session.info.pop("outbox", None)


class Ended(OrderedDict[str, tuple[str, str | None]]):
    """How the entries a sender finished lately ended (status, error), the newest kept: what a follower
    of one of them reads without asking the database."""

    def __init__(self, keep: int = 10_000) -> None:
        super().__init__()
        self.keep = keep

    def __setitem__(self, key: str, value: tuple[str, str | None]) -> None:
        super().__setitem__(key, value)
        if len(self) > self.keep:
            self.popitem(last=False)
