"""Events: 10,000 attendees' reminders due in the same minute, sent once each within the platform's limits.

One event with 10,000 members going, its 1h reminder due. The clock (the harness's, standing in
for the platform's) moves on in 50 ms steps; the reminder job stages one DM per attendee in its
own transaction and the outbox delivers them on SQLite, through a memory platform that enforces a
platform's limits the way the platform does — a send over a limit is answered 429 with Retry-After
and not delivered:

- ``discord``: at most 50 requests in any second for the whole bot (Discord's global limit);
- ``slack``: one post per second per channel (chat.postMessage), the outbox pacer's interval
  (Slack documents no fixed workspace-wide number for it, so none is played here);
- ``slack-channel`` (``deliver: channel``): one post per 50 mentions in #events, one a second.

Half way through, the process dies (the outbox stops, the runtime closes) and a new one starts
on the same database (``python -m bench.bench_events [attendees]``; 10,000 by default).
Reported per platform: deliveries, attendees reached twice / never, 429s
met, the most sends in any second and the shortest gap in one channel (platform clock), the
platform time from due to last delivery, wall time, and a re-run of the job after a simulated
crash sending 0. The baseline is the same DMs performed straight on the adapter.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.actions import Action, ActionResult, SendDirect, SendMessage
from bot.clock import ManualClock
from bot.content import Mention, text
from bot.outbox.rules import channel_of
from bot.persons import PersonId
from bot.refs import UserRef
from bot.scheduler import PENDING, jobs
from bot.testing import Harness
from bot.testing.memory import MemoryAdapter
from cogs.events import COG, store
from cogs.events.rsvp import Roster

CONFIG = """
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    channels: {events: "#events"}
    events: {members_create: true, reminders: [1h], announce_start: false, deliver: DELIVER}
"""
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)  # the 1h reminder of "tomorrow 18:00" (London = UTC in January)


class Limits:
    """A platform's limits on the harness clock: a global count per second and a per-channel interval.

    It is the platform's state, so it outlives a Steward process: the restarted one meets the same
    windows. Every memory adapter's sends pass through it while the bench runs.
    """

    def __init__(self, *, per_second: int | None, interval: float) -> None:
        self.per_second, self.interval = per_second, timedelta(seconds=interval)
        self.window: deque[datetime] = deque()
        self.last: dict[str, datetime] = {}
        self.delivered: list[tuple[datetime, Action]] = []
        self.refused = 0
        self.clock: Any = None  # the running harness's clock

    def check(self, action: Action) -> ActionResult | None:
        """A 429 for a send over a limit, or None when it may go (and is counted)."""
        now = self.clock.now()
        while self.window and self.window[0] <= now - timedelta(seconds=1):
            self.window.popleft()
        if self.per_second is not None and len(self.window) >= self.per_second:
            self.refused += 1
            wait = (self.window[0] + timedelta(seconds=1) - now).total_seconds()
            return ActionResult.rate_limited(action, max(wait, 0.001), everything=True)
        channel = channel_of(action)
        if channel in self.last and now - self.last[channel] < self.interval:
            self.refused += 1
            return ActionResult.rate_limited(action, (self.last[channel] + self.interval - now).total_seconds())
        self.window.append(now)
        self.last[channel] = now
        self.delivered.append((now, action))
        return None


@contextmanager
def limited(limits: Limits) -> Iterator[None]:
    """Every memory adapter behind ``limits`` (and its interval as the pacer's, like Slack's post_interval)."""
    real = MemoryAdapter.perform

    async def perform(self: MemoryAdapter, action: Action) -> ActionResult:
        refused = limits.check(action)
        return refused if refused is not None else await real(self, action)

    MemoryAdapter.perform = perform  # type: ignore[method-assign]
    MemoryAdapter.post_interval = limits.interval.total_seconds()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        MemoryAdapter.perform = real  # type: ignore[method-assign]
        del MemoryAdapter.post_interval  # type: ignore[attr-defined]


def reached(actions: list[tuple[datetime, Action]]) -> Counter[str]:
    """How many times each attendee was reminded (a DM, or a mention in a reminder post)."""
    seen: Counter[str] = Counter()
    for _at, a in actions:
        if isinstance(a, SendDirect):
            seen[a.user.id] += 1
        elif isinstance(a, SendMessage) and "Reminder" in a.content.plain():
            seen.update(s.target.id for s in a.content.segments if isinstance(s, Mention))
    return seen


async def start(db: str, deliver: str, limits: Limits, now: datetime) -> Harness:
    h = await Harness.start(CONFIG.replace("DELIVER", deliver), db_url=db, cogs={"events": COG}, now=now)
    limits.clock = h.clock
    return h


def limits_of(platform: str) -> Limits:
    """Discord: 50 requests a second for the whole bot; Slack: one post a second per channel."""
    return Limits(per_second=50, interval=0.0) if platform == "discord" else Limits(per_second=None, interval=1.0)


async def run(folder: Path, platform: str, attendees: int = 10_000) -> dict[str, Any]:
    """Seed, deliver with a crash half way, re-run the job, and report."""
    deliver = "channel" if platform == "slack-channel" else "dm"
    db = f"sqlite+aiosqlite:///{folder / f'events-{platform}.db'}"
    limits = limits_of(platform)
    limits.clock = ManualClock(NOW)  # until the harness's own clock runs
    with limited(limits):
        return await _run(db, deliver, limits, platform, attendees)


async def _run(db: str, deliver: str, limits: Limits, platform: str, attendees: int) -> dict[str, Any]:
    h = await start(db, deliver, limits, NOW)
    await h.command("host", "/event create")
    echoed = await h.submit("host", "events:create", {"title": "Launch", "start": "tomorrow 18:00"})
    await h.press("host", echoed[-1].content.buttons[0])  # type: ignore[attr-defined]
    cog = h.runtime.cogs.cogs_of("acme")[-1]
    users = [UserRef("memory", f"m{i}") for i in range(attendees)]
    for u in users:
        h.add_member(u.id)
    async with cog.ctx.db.session() as session:
        event = await store.by_id(session, 1)
        assert event is not None
        people = [PersonId(await cog.ctx.person(u)) for u in users]
        roster = Roster(capacity=None, going=tuple(people))
        await store.save_roster(session, event.id, event.series.start.astimezone(UTC), roster,
                                dict(zip(people, users, strict=True)), NOW)
        await session.commit()
    await h.advance(seconds=(DUE - NOW).total_seconds() - 30)  # half a minute before: nothing due yet
    limits.delivered.clear()
    limits.refused = 0
    wall = time.perf_counter()
    crashed = False
    seen: Counter[str] = Counter()
    counted = 0
    while h.clock.now() < DUE + timedelta(minutes=5):
        await h.advance(seconds=0.05)
        seen.update(reached(limits.delivered[counted:]))  # only what arrived in this step
        counted = len(limits.delivered)
        total = len(seen)
        if not crashed and total >= attendees // 2:  # the process dies half way through the deliveries
            await h.runtime.effects.outbox.stop()
            at = h.clock.now()
            await h.close()
            h = await start(db, deliver, limits, at)
            crashed = True
        elif crashed and total >= attendees and not h.runtime.effects.outbox.queues[h.adapter.platform].entries:
            break
    wall = time.perf_counter() - wall
    delivered, refused = list(limits.delivered), limits.refused
    async with h.runtime.db.session() as session, session.begin():  # the job "never marked done": it runs again
        await session.execute(update(jobs).where(jobs.c.kind == "events.remind").values(status=PENDING))
    before = len(limits.delivered)
    for _ in range(20):
        await h.advance(seconds=0.05)
    again = len(limits.delivered) - before
    times = [at for at, _a in delivered]
    most, first = 0, 0  # the most sends in any one-second window (sliding)
    for last, at in enumerate(times):
        while at - times[first] >= timedelta(seconds=1):
            first += 1
        most = max(most, last - first + 1)
    gaps: dict[str, datetime] = {}
    shortest = None
    for at, a in delivered:
        channel = channel_of(a)
        if channel in gaps:
            gap = (at - gaps[channel]).total_seconds()
            shortest = gap if shortest is None else min(shortest, gap)
        gaps[channel] = at
    counts = reached(delivered)
    await h.close()
    return {"platform": platform, "attendees": attendees, "sends": len(delivered),
            "reached": len(counts), "twice": sum(1 for n in counts.values() if n > 1),
            "lost": attendees - len(counts), "rate_limited_429": refused, "most_in_any_second": most,
            "shortest_gap_in_a_channel_s": shortest, "platform_seconds": round((max(times) - DUE).total_seconds(), 1),
            "wall_seconds": round(wall, 1), "rerun_sends": again}


async def baseline(folder: Path, attendees: int = 10_000) -> float:
    """The same DMs straight to the memory adapter."""
    h = await Harness.start(CONFIG.replace("DELIVER", "dm"), db_url=f"sqlite+aiosqlite:///{folder / 'base.db'}",
                            cogs={"events": COG}, now=NOW)
    start_ = time.perf_counter()
    for i in range(attendees):
        await h.adapter.perform(SendDirect(user=UserRef("memory", f"m{i}"), content=text("reminder"), scope="acme"))
    elapsed = time.perf_counter() - start_
    await h.close()
    return elapsed


def main(argv: list[str] | None = None) -> None:
    """Print one JSON object per platform (``python -m bench.bench_events [attendees]``)."""
    args = sys.argv[1:] if argv is None else argv
    attendees = int(args[0]) if args and args[0].isdigit() else 10_000
    with tempfile.TemporaryDirectory() as folder:
        naive = asyncio.run(baseline(Path(folder), attendees))
        for platform in ("discord", "slack", "slack-channel"):
            row = asyncio.run(run(Path(folder), platform, attendees))
            row["bench"] = "events_reminders"
            row["ratio_wall_to_baseline"] = round(row["wall_seconds"] / naive, 1)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
