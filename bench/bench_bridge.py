"""Bridge benchmark (``make bench``): what relaying costs a message, against the same pipeline unbridged.

Both sides run in one run on the same runtime (memory platforms named discord and slack, SQLite,
moderation and the bridge on): ``plain`` messages go to #general (not bridged), ``bridged`` ones to
#lounge, each staged as an outbox effect with its relay record and delivered to Slack before the
next message. The ratio is the price of a durable, followable relay per message.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.testing import Harness
from cogs.bridge import COG as BRIDGE
from cogs.moderation import COG as MODERATION

CONFIG = """
communities:
  - name: acme
    channels: {modlog: "#mod-log", general: "#general", lounge: {discord: "#lounge", slack: "#lounge"}}
    moderation: {rules: [{name: banned-words, words: [casino], actions: [delete]}]}
    bridge: {channels: [lounge]}
"""


async def _run(n: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        h = await Harness.start(CONFIG, db_url=url, cogs={"moderation": MODERATION, "bridge": BRIDGE},
                                platforms=("discord", "slack"))
        try:
            timings: dict[str, list[float]] = {"plain": [], "bridged": []}
            for i in range(n):
                for kind, channel in (("plain", "#general"), ("bridged", "#lounge")):
                    t = time.perf_counter()
                    await h.post("alice", f"message number {i} about the release", channel, platform="discord")
                    timings[kind].append(time.perf_counter() - t)
        finally:
            await h.close()
    plain, bridged = statistics.median(timings["plain"]), statistics.median(timings["bridged"])
    return {"messages": n, "plain_p50_ms": round(plain * 1e3, 2), "bridged_p50_ms": round(bridged * 1e3, 2),
            "bridged_vs_plain": round(bridged / plain, 1)}


def run(n: int = 300) -> dict[str, float | int]:
    """Time ``n`` plain and ``n`` bridged messages, interleaved."""
    return asyncio.run(_run(n))


def main() -> None:
    """Print one JSON line."""
    print(json.dumps(run()), flush=True)
