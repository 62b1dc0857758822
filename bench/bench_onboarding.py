"""Onboarding: a raid of 200 joins within a minute, each through the whole flow's first steps.

Through the real runtime on SQLite and the memory platform: each join writes the member's row, posts
(or batches) the welcome, the greeters' post and the gate role, DMs the welcome and the rules card,
and books two follow-ups and the 7-day check. Reported: joins per second, how many public welcomes
went out (the batch keeps it to ``above`` plus one per minute, not 200), and the same joins with the
onboarding section off in the same run as the baseline (the core's own cost of a join).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from bot.actions import SendDirect, SendMessage
from bot.testing import Harness
from cogs.onboarding import COG

BASE = """
timezone: UTC
communities:
  - name: acme
    roles: {moderator: [Moderators], admin: [Admins], member: [Members], newcomer: [Newcomers]}
    channels: {modlog: "#mod-log", general: "#general", welcome: "#welcome", rules: "#rules",
               introductions: "#introductions", staff: "#staff"}
"""
SECTION = """
    onboarding:
      newcomer_role: Newcomers
      steps:
        - {kind: welcome, channel: "#welcome", text: "Welcome to {community}, {member}!"}
        - {kind: rules, channel: "#rules", text: "Be kind.", role: Members}
        - {kind: question, name: found-us, text: "How did you find us?", source: true,
           options: [{id: friend, label: A friend}, {id: search, label: A search}]}
        - {kind: introduce, channel: "#introductions", text: "Say hello."}
      follow_up: [{after: 1d, text: "A day in."}, {after: 7d, text: "A week in."}]
      greeters: {channel: "#staff"}
      welcome_batch: {above: 10, within: 1m}
"""


async def joins(folder: Path, name: str, config: str, count: int) -> tuple[float, list[object]]:
    h = await Harness.start(config, db_url=f"sqlite+aiosqlite:///{folder / name}.db", cogs={"onboarding": COG})
    start = time.perf_counter()
    out: list[object] = []
    for i in range(count):
        out += await h.join(f"r{i:03d}")
    out += await h.advance(minutes=1)  # the batch welcome
    elapsed = time.perf_counter() - start
    await h.close()
    return elapsed, out


async def run(folder: Path, count: int = 200) -> dict[str, object]:
    """Time the raid with onboarding on, and the same joins with it off."""
    elapsed, out = await joins(folder, "on", BASE + SECTION, count)
    baseline, _ = await joins(folder, "off", BASE, count)
    welcomes = [a for a in out if isinstance(a, SendMessage) and a.channel.id == "welcome"]
    dms = [a for a in out if isinstance(a, SendDirect)]
    return {"bench": "onboarding_raid", "joins": count, "seconds": round(elapsed, 2),
            "joins_per_s": round(count / elapsed, 1), "public_welcomes": len(welcomes), "dms": len(dms),
            "baseline_seconds": round(baseline, 2), "ratio_to_baseline": round(elapsed / baseline, 1)}


def main() -> None:
    """Print one JSON object."""
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(asyncio.run(run(Path(folder)))), flush=True)


if __name__ == "__main__":
    main()
