"""Edits of one message, coalesced: a newer edit replaces one still waiting, and an edit within the
platform's edit window of the message's last one waits for the window's end.

An edit replaces a message's whole content, so of several edits of one message waiting only the
latest need go: a burst of poll presses edits the card a few times, its last edit showing the last
tally. An edit already on its way is not taken back; one older than an edit still queued or on its
way is dropped, so the content never goes backwards. A replaced entry is marked ``replaced`` in
``core_outbox``: not a loss, never reported.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.actions import QUEUED, ActionResult
from bot.clock import Clock
from bot.outbox import rules
from bot.outbox.entry import Entry
from bot.outbox.queues import Queues
from bot.outbox.table import REPLACED

MARKING = "outbox-replaced:"  # the in-flight slot of the writes that mark replaced entries
KEEP = 4096  # messages whose last edit is remembered before old ones are forgotten


class Edits:
    """Per platform: each message's last edit, and the replaced entries still to be marked in the table."""

    def __init__(self, clock: Clock, platforms: Iterable[str], windows: Mapping[str, float] | None = None) -> None:
        self.clock = clock
        names = list(platforms)
        # 0: edits go as they come (waiting ones are still replaced); tests and the bench set it per platform
        self.windows = {p: timedelta(seconds=max((windows or {}).get(p, 0.0), 0.0)) for p in names}
        self._last: dict[str, dict[str, datetime]] = {p: {} for p in names}
        self._obsolete: dict[str, list[Entry]] = {p: [] for p in names}
        self.replaced = 0  # edits made obsolete before they went (the bench reads it)

    def admit(self, entry: Entry, queue: Iterable[Entry], inflight: Collection[str]) -> tuple[bool, list[Entry]]:
        """Whether ``entry`` is to be queued, and the waiting entries of its channel it makes obsolete (to be
        taken out of the queue); an entry it admits is held until its message's window is over."""
        group = rules.replaces(entry.action)
        if group is None:
            return True, []
        same = [e for e in queue if rules.replaces(e.action) == group]
        if any(e.seq > entry.seq for e in same):
            self._replace(entry)
            return False, []
        older = [e for e in same if e.key not in inflight]
        for e in older:
            self._replace(e)
        window, last = self.windows.get(entry.platform), self._last[entry.platform].get(group)
        if window and last is not None:
            entry.not_before = max(entry.not_before, last + window)
        return True, older

    def hold(self, queues: Queues, entry: Entry) -> list[Entry]:
        """Queue ``entry`` unless a newer edit of its message makes it obsolete, taking out the waiting edits
        it makes obsolete; returns the entries replaced (``entry`` itself among them when it is)."""
        if entry.key in queues.entries:
            return []
        admitted, obsolete = self.admit(entry, queues.channels.get(entry.channel, ()), queues.inflight)
        for older in obsolete:
            queues.remove(older)
        if admitted:
            queues.add(entry)
        return obsolete if admitted else [entry]

    def started(self, entry: Entry) -> None:
        """An entry goes to the platform now: an edit's message starts a new window."""
        group = rules.replaces(entry.action)
        window = self.windows.get(entry.platform)
        if group is None or not window:
            return
        last, now = self._last[entry.platform], self.clock.now()
        last[group] = now
        if len(last) > KEEP:  # only edits inside their window matter
            for old in [g for g, at in last.items() if at + window <= now]:
                del last[old]

    def waiting(self, platform: str) -> bool:
        """Whether replaced entries of ``platform`` are still to be marked."""
        return bool(self._obsolete[platform])

    def any_waiting(self) -> bool:
        """Whether replaced entries of any platform are still to be marked."""
        return any(self._obsolete.values())

    async def mark(self, platform: str, write: Callable[..., Awaitable[Any]]) -> None:
        """Mark the replaced entries of ``platform`` in the table (``write(key, **values)``)."""
        batch, self._obsolete[platform] = self._obsolete[platform], []
        for entry in batch:
            await write(entry.key, status=REPLACED, error="replaced by a newer edit of the message",
                        finished_at=self.clock.now(), reported=1)

    def _replace(self, entry: Entry) -> None:
        self._obsolete[entry.platform].append(entry)
        self.replaced += 1
        if entry.done is not None and not entry.done.done():  # its content goes out with the newer edit
            entry.done.set_result(ActionResult(entry.action, True, code=QUEUED))
