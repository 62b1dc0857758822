"""What one platform's sender holds in memory: its entries, each channel's queue, what is in flight.

Each channel's entries are kept in the order they go (lane, then age), so choosing what is ready
looks at the front of each channel's queue instead of at every entry; and the channels are kept in
the order of their first entries, so a sender with a few free slots looks only at the channels that
can fill them (a wave's backlog holds hundreds of channels, and the sender looks after every send).
"""

from __future__ import annotations

import asyncio
import bisect
from collections import Counter
from collections.abc import Mapping

from bot.clock import Clock
from bot.outbox import chain, rules
from bot.outbox.entry import Entry
from bot.outbox.pacer import Pacer


class Queues:
    """One platform's entries by key and by channel, and its sends in flight."""

    def __init__(self, clock: Clock, pacer: Pacer) -> None:
        self.clock = clock
        self.pacer = pacer
        self.entries: dict[str, Entry] = {}
        self.channels: dict[str, list[Entry]] = {}
        self.inflight: dict[str, asyncio.Task[None]] = {}
        # (order of its first entry, channel) for every channel with entries, sorted
        self._heads: list[tuple[tuple[int, int], str]] = []
        self._head: dict[str, tuple[tuple[int, int], str]] = {}
        self._looking: set[str] = set()  # the entries goes_now is deciding about (a ring of followers)

    def add(self, entry: Entry) -> None:
        """Hold an entry (once per key)."""
        if entry.key in self.entries:
            return
        self.entries[entry.key] = entry
        queue = self.channels.setdefault(entry.channel, [])
        bisect.insort(queue, entry, key=Entry.order)
        if queue[0] is entry:
            self._rehead(entry.channel)

    def remove(self, entry: Entry) -> None:
        """Let an entry go (sent, failed, dropped, or moved to another channel)."""
        if self.entries.pop(entry.key, None) is None:
            return
        queue = self.channels.get(entry.channel, [])
        first = bool(queue) and queue[0] is entry
        if entry in queue:
            queue.remove(entry)
        if not queue:
            self.channels.pop(entry.channel, None)
        if first or not queue:
            self._rehead(entry.channel)

    def _rehead(self, channel: str) -> None:
        """The channel's first entry changed (or it has none left): move it in ``_heads``."""
        old = self._head.pop(channel, None)
        if old is not None:
            del self._heads[bisect.bisect_left(self._heads, old)]
        queue = self.channels.get(channel)
        if queue:
            head = self._head[channel] = (queue[0].order(), channel)
            bisect.insort(self._heads, head)

    def busy(self) -> list[Entry]:
        """The entries being sent now."""
        return [self.entries[k] for k in self.inflight if k in self.entries]

    def waits(self, entry: Entry) -> bool:
        """Whether the entry it follows is still undelivered here; a ``go`` follower waits only while that
        one is going now (a ban doesn't wait behind its DM's storm), the others until it has finished."""
        followed = self.entries.get(entry.after) if entry.after else None
        if followed is None:
            return False
        return entry.if_not != chain.GO or self.goes_now(followed)

    def ready_now(self) -> list[Entry]:
        """The first entry (by lane, then age) of each idle channel whose time has come."""
        now, pacer = self.clock.now(), self.pacer
        busy = {x.channel for x in self.busy()}
        ready = []
        for channel, queue in self.channels.items():  # the pacer is asked once per channel
            if channel in busy:
                continue
            first = next((e for e in queue if e.not_before <= now and not self.waits(e)), None)
            if first is not None and pacer.ready(channel, rules.paced(first.action)):
                ready.append(first)
        ready.sort(key=Entry.order)
        return ready

    def first_ready(self, limit: int) -> list[Entry]:
        """The first ``limit`` entries of :meth:`ready_now` (the same ones, in the same order), looking at
        the channels in the order of their first entries and stopping once no other can come earlier:
        an entry never goes before its channel's first."""
        if limit <= 0:
            return []
        now, pacer = self.clock.now(), self.pacer
        busy = {x.channel for x in self.busy()}
        ready: list[tuple[tuple[int, int], Entry]] = []
        for head, channel in self._heads:
            if len(ready) >= limit and head > ready[-1][0]:
                break
            if channel in busy:
                continue
            first = next((e for e in self.channels[channel] if e.not_before <= now and not self.waits(e)), None)
            if first is not None and pacer.ready(channel, rules.paced(first.action)):
                bisect.insort(ready, (first.order(), first), key=lambda found: found[0])
                del ready[limit:]
        return [e for _, e in ready]

    def goes_now(self, entry: Entry) -> bool:
        """Whether an entry is being sent or is first in line now, or follows one that is and is first in
        line behind it (a ban right after its DM: a moderator's /ban waits for the ban, not only the DM).

        Followers in several channels can wait on each other in a ring (an urgent entry ahead of another's
        leader): asked again about an entry it is still looking at, it answers no, so none of the ring is
        taken to go now, and a ``go`` follower in it does not wait for its leader."""
        if entry.key in self.inflight:
            return True
        if entry.key in self._looking:
            return False
        self._looking.add(entry.key)
        try:
            return self._first_in_line(entry)
        finally:
            self._looking.discard(entry.key)

    def _first_in_line(self, entry: Entry) -> bool:
        followed = self.entries.get(entry.after) if entry.after else None
        if followed is not None and not self.goes_now(followed):
            return False
        entries = self.entries
        if any((busy := entries.get(k)) is not None and busy.channel == entry.channel for k in self.inflight):
            return False  # its channel is busy with another send
        now, queue = self.clock.now(), self.channels.get(entry.channel, ())
        # its own wait is for what it follows, which goes now: it is next once that is done
        first = next((e for e in queue if e.not_before <= now and (e is entry or not self.waits(e))), None)
        return first is entry and self.pacer.ready(entry.channel, rules.paced(entry.action))

    def next_wait(self) -> float:
        """Seconds until something may be ready (at most 5: the sender looks again then anyway)."""
        now = self.clock.now()
        if not self.channels:
            return 5.0
        first = min(max(q[0].not_before if q[0].not_before <= now else min(e.not_before for e in q),
                        self.pacer.ready_at(channel)) for channel, q in self.channels.items())
        return min(max((first - now).total_seconds(), 0.001), 5.0)


def depths(queues: Mapping[str, Queues]) -> Counter[tuple[str, str]]:
    """Entries a process holds to send, by (platform, lane): the operations metrics' queue depths."""
    return Counter((e.platform, e.lane) for held in queues.values() for e in held.entries.values())
