"""Spam-wave detection and what changes during one: pure bookkeeping, no I/O.

A channel is in a wave once ``cases`` automatic cases came from it within ``within``, and stays
in it until a whole ``within`` passes without that. During a wave the mod log gets one summary
per channel every few seconds instead of a post per case, and a member gets one DM however
often they are hit.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

RAID = "raid"  # the summary key of raid-mode joiners (a wave of joins rather than of messages)


@dataclass(frozen=True, slots=True)
class WaveEntry:
    """One case of a wave, as its summary lists it."""

    case_id: int
    number: int
    rule: str
    member: str
    user_id: str


@dataclass
class WaveGuard:
    """Per-channel case rates, the summaries waiting to be posted, and the DMs already sent."""

    _times: dict[str, deque[datetime]] = field(default_factory=dict)
    _until: dict[str, datetime] = field(default_factory=dict)
    _pending: dict[str, list[WaveEntry]] = field(default_factory=dict)
    _dms: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def record(self, channel: str, now: datetime, *, cases: int, within: timedelta) -> bool:
        """Count one automatic case in ``channel``; whether the channel is in a wave now."""
        times = self._times.get(channel)
        if times is None or times.maxlen != cases:
            times = self._times[channel] = deque(times or (), maxlen=cases)
        times.append(now)
        if len(times) == cases and now - times[0] <= within:
            # the wave lasts until the channel has been calm for a whole window
            self._until[channel] = now + within
        if len(self._times) > 10_000:  # channels come and go; keep only those in a wave
            self._times = {c: t for c, t in self._times.items() if c in self._until}
        return self.waving(channel, now)

    def waving(self, channel: str, now: datetime) -> bool:
        """Whether ``channel`` is in a wave."""
        until = self._until.get(channel)
        if until is None:
            return False
        if now > until:
            del self._until[channel]
            return False
        return True

    def add(self, channel: str, entry: WaveEntry) -> bool:
        """Hold a case for the channel's next summary; True when it is the first one waiting."""
        waiting = self._pending.setdefault(channel, [])
        waiting.append(entry)
        return len(waiting) == 1

    def take(self, channel: str) -> list[WaveEntry]:
        """The cases waiting for the channel's summary (and none after)."""
        return self._pending.pop(channel, [])

    def dm_allowed(self, platform: str, user_id: str, now: datetime, every: timedelta) -> bool:
        """During a wave: one DM per member every ``every`` (the first one goes out)."""
        key = (platform, user_id)
        last = self._dms.get(key)
        if last is not None and now - last < every:
            return False
        self._dms[key] = now
        if len(self._dms) > 50_000:  # forget old members rather than grow forever
            self._dms = {k: t for k, t in self._dms.items() if now - t < every}
        return True


def summary_lines(entries: list[WaveEntry], limit: int = 10) -> tuple[str, str, str]:
    """Counts by rule, counts by member (the busiest first) and the case numbers, as text."""
    by_rule = Counter(e.rule for e in entries)
    by_member = Counter(e.member for e in entries)
    # the busiest first, ties by name: the same wave reads the same however its cases interleaved
    rules = ", ".join(f"{rule} ×{n}" for rule, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])
    members = ", ".join(f"{who} ×{n}" for who, n in sorted(by_member.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])
    if len(by_member) > limit:
        members += f" and {len(by_member) - limit} more"
    numbers = sorted(e.number for e in entries)
    cases = ranges(numbers)
    return rules, members, cases


def ranges(numbers: list[int], limit: int = 12) -> str:
    """``#3–#9, #12`` for sorted case numbers (at most ``limit`` runs shown)."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    shown = [f"#{a}" if a == b else f"#{a}–#{b}" for a, b in runs[:limit]]
    if len(runs) > limit:
        shown.append(f"and {len(runs) - limit} more runs")
    return ", ".join(shown)
