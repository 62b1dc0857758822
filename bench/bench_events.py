"""Events: 10,000 attendees' reminders due in the same minute, sent once each.

One event with 10,000 members going (and one with nobody, as a control), its 1h reminder due;
the clock moves past it and the reminder job runs through the real runtime on SQLite, performing
one DM per attendee on the memory platform. Reported: how many DMs, how long, none twice (the
job is run again after a simulated crash and sends nothing), and the same DMs performed by a
plain loop on the same adapter as the baseline. Pacing to each platform's rate limits is the
outbox's (every send goes through it); this measures the events cog's own cost.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from bot.actions import SendDirect
from bot.content import text
from bot.persons import PersonId
from bot.refs import UserRef
from bot.scheduler import PENDING, jobs
from bot.testing import Harness
from cogs.events import COG, store
from cogs.events.rsvp import Roster

CONFIG = """
timezone: UTC
communities:
  - name: acme
    timezone: Europe/London
    channels: {events: "#events"}
    events: {members_create: true, reminders: [1h], announce_start: false}
"""


async def run(folder: Path, attendees: int = 10_000) -> dict[str, object]:
    """Seed, then time the reminder."""
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    h = await Harness.start(CONFIG, db_url=f"sqlite+aiosqlite:///{folder / 'events.db'}", cogs={"events": COG},
                            now=now)
    await h.command("host", "/event create")
    echoed = await h.submit("host", "events:create", {"title": "Launch", "start": "tomorrow 18:00"})
    await h.press("host", echoed[-1].content.buttons[0])  # type: ignore[attr-defined]
    cog = h.runtime.cogs.cogs_of("acme")[-1]
    users = [UserRef("memory", f"m{i}") for i in range(attendees)]
    for u in users:
        h.add_member(u.id)
    async with cog.ctx.db.session() as session:
        event = await store.by_number(session, "acme", 1)
        assert event is not None
        key = event.series.start.astimezone(UTC)
        people = [PersonId(await cog.ctx.person(u)) for u in users]
        roster = Roster(capacity=None, going=tuple(people))
        await store.save_roster(session, event.id, key, roster, dict(zip(people, users, strict=True)), now)
        await session.commit()
    await h.advance(hours=28, minutes=59)  # a minute before the reminder: nothing due yet
    start = time.perf_counter()
    sent = [a for a in await h.advance(minutes=2) if isinstance(a, SendDirect)]
    elapsed = time.perf_counter() - start
    unique = len({a.user for a in sent})
    # A crash after sending but before the job was marked done: the job runs again and sends nobody twice.
    async with cog.ctx.db.session() as session, session.begin():
        await session.execute(update(jobs).where(jobs.c.kind == "events.remind").values(status=PENDING))
    again = [a for a in await h.advance(seconds=1) if isinstance(a, SendDirect)]
    start = time.perf_counter()
    for u in users:  # the baseline: the same DMs straight to the same adapter
        await h.adapter.perform(SendDirect(user=u, content=text("reminder"), scope="acme"))
    naive = time.perf_counter() - start
    await h.close()
    return {"bench": "events_reminders", "attendees": attendees, "dms": len(sent), "unique": unique,
            "twice": len(sent) - unique + len(again), "seconds": round(elapsed, 2),
            "dms_per_s": round(len(sent) / elapsed), "baseline_seconds": round(naive, 2),
            "ratio_to_baseline": round(elapsed / naive, 1)}


def main() -> None:
    """Print one JSON object."""
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(asyncio.run(run(Path(folder)))), flush=True)


if __name__ == "__main__":
    main()
