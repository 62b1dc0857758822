"""The outbox: entries/s on SQLite, and what it adds to one action against sending directly.

A platform that answers at once stands in for Discord/Slack, so the figures are the outbox's
own cost: an entry is written in its cause's transaction, then marked sending and done by the
sender, whose writes are grouped (the sends that start or land together share one commit), and
chosen from the front of each channel's queue. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from bot.actions import Action, ActionResult, SendMessage
from bot.clock import SystemClock
from bot.content import text
from bot.outbox import Outbox
from bot.refs import ChannelRef, MessageRef
from bot.storage import Database


class InstantPlatform:
    """Confirms every action at once."""

    platform = "bench"

    def __init__(self) -> None:
        self.count = 0

    async def perform(self, action: Action) -> ActionResult:
        await asyncio.sleep(0)  # a real call yields to the loop
        self.count += 1
        return ActionResult.success(action, MessageRef("bench", "c", str(self.count)))


def post(i: int, channels: int = 50) -> SendMessage:
    return SendMessage(channel=ChannelRef("bench", f"c{i % channels}"), content=text(f"post {i}"))


async def _outbox(folder: Path, name: str) -> tuple[Outbox, InstantPlatform, Database]:
    db = await Database.open(f"sqlite+aiosqlite:///{folder / name}")
    platform = InstantPlatform()
    outbox = Outbox(SystemClock(), {"bench": platform}, modlog_of=lambda _c, _p: None)
    await outbox.start(db)
    return outbox, platform, db


async def throughput(folder: Path, entries: int = 3000, per_transaction: int = 50) -> dict[str, object]:
    """Entries staged in transactions of ``per_transaction`` (as a job or a wave writes them), all delivered."""
    outbox, platform, db = await _outbox(folder, "throughput.db")
    start = time.perf_counter()
    for first in range(0, entries, per_transaction):
        async with db.session() as session, session.begin():
            for i in range(first, min(first + per_transaction, entries)):
                await outbox.stage(session, post(i), community="bench", key=f"bench:{i}")
    await outbox.settle()
    while platform.count < entries:
        await asyncio.sleep(0.001)
        await outbox.settle()
    elapsed = time.perf_counter() - start
    await outbox.stop()
    await db.close()
    return {"entries": entries, "entries_per_s": round(entries / elapsed), "seconds": round(elapsed, 2),
            "sender_commits_per_entry": round(outbox.writes.commits / entries, 2)}


async def per_action(folder: Path, actions: int = 600) -> dict[str, object]:
    """One awaited action at a time (a handler waiting for its answer): through the outbox vs directly."""
    outbox, platform, db = await _outbox(folder, "per_action.db")
    start = time.perf_counter()
    for i in range(actions):
        await platform.perform(post(i))
    direct = (time.perf_counter() - start) / actions
    start = time.perf_counter()
    for i in range(actions):
        result = await outbox.perform(post(i, channels=actions), "bench")
        assert result.ok and result.message is not None, result
    through = (time.perf_counter() - start) / actions
    await outbox.stop()
    await db.close()
    return {"actions": actions, "direct_us": round(direct * 1e6, 1), "outbox_us": round(through * 1e6, 1),
            "added_us_per_action": round((through - direct) * 1e6, 1)}


def main() -> None:
    """Run both measurements in one process and print them."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = {"bench": "outbox", "sqlite_throughput": asyncio.run(throughput(folder)),
                  "per_action": asyncio.run(per_action(folder))}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
