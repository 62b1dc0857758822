"""Several processes on one PostgreSQL (``make bench``): clean messages per second, one process vs two.

Two communities (``config/example.yaml``'s, moderation on, copied as ``c0`` and ``c1``) live on
two shards (``bot.partitions``). Each worker is a real process running the runtime on the memory
platform and one throwaway PostgreSQL (``scripts/with-postgres.sh`` starts one when
``STEWARD_BENCH_PG_URL`` is not set). Measured in the same run, wall time from a common start:

- ``one``: one process holds both shards and handles every message;
- ``two``: two processes, one shard each, each handling its own community's half at the same time;
- ``relayed``: two processes, but every message lands on the first (as Slack spreads a workspace's
  events over connections): the half that belongs to the other shard is relayed to it through
  PostgreSQL;
- ``one_no_shared_dedupe``: one process without the cross-process de-duplication (what a single
  process paid before), to show what the batched ``core_seen`` insert costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config" / "example.yaml"
MEMBERS = 200
WINDOW = 100  # events in flight at once in one process (the adapters run each event as its own task)


async def worker(url: str, shards: list[int], count: int, run: str, mode: str) -> None:
    """One process: start, say ready, wait for go, handle its messages, print its figures."""
    import logging

    logging.basicConfig(level=logging.ERROR)  # the chat's few rule hits would log every delete
    from bench.bench_pipeline import chat
    from bot.clock import ManualClock
    from bot.events import MessagePosted
    from bot.partitions import shard_partition
    from bot.refs import MessageRef, UserRef
    from bot.runtime import Runtime
    from bot.testing.memory import FakeMember, MemoryAdapter
    from steward.app import load
    from steward.catalog import discover

    catalog = discover()
    base = load(CONFIG, catalog)
    community = base.communities[0]
    off = {name: None for name in community.cog_sections() if name != "moderation"}
    copies = [community.model_copy(update={"name": f"c{i}", **off}) for i in range(2)]
    config = base.model_copy(update={"communities": copies,
                                     "storage": base.storage.model_copy(update={"url": url})})

    class Sharded(MemoryAdapter):
        events_reach_one_process = mode == "no-shared-dedupe"  # else claimed, as Slack's events are

        def partitions(self) -> list[str]:
            return [shard_partition(i) for i in shards]

        def partition_of(self, cc: Any) -> str:
            return shard_partition(int(cc.name[1:]))

    adapter = Sharded("c0", channels=community.channel_names(), roles=community.role_names())
    adapter.world("c1", community.channel_names(), community.role_names())
    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    runtime = Runtime(config, cogs=catalog.cogs, adapters=[adapter], clock=clock)
    await runtime.start()
    users = [UserRef(adapter.platform, f"m{i}") for i in range(MEMBERS)]
    for scope in ("c0", "c1"):
        for user in users:
            adapter.world(scope).members[user.id] = FakeMember(user.id, set(), 0, False, joined_at=clock.now())
    texts = chat(count)
    channels = sorted(c for c in community.channel_names("memory") if c not in ("#mod-log", "#staff", "#feedback"))
    targets = [f"c{i}" for i in shards] if mode != "relay-in" else ["c0", "c1"]
    start = clock.now()

    def events(tag: str) -> list[MessagePosted]:
        return [MessagePosted(platform=adapter.platform, scope=targets[i % len(targets)],
                              event_id=f"{run}-{tag}-{shards}-{i}", occurred_at=start + timedelta(seconds=i),
                              message=MessageRef(adapter.platform, channels[i % len(channels)][1:], f"{tag}{i}"),
                              author=users[i % MEMBERS], author_name=users[i % MEMBERS].id, text=text,
                              channel_name=channels[i % len(channels)])
                for i, text in enumerate(texts)]

    async def handle(batch: list[MessagePosted]) -> None:
        # as the adapters do, each event is its own task: up to WINDOW in flight at once
        for at in range(0, len(batch), WINDOW):
            chunk = batch[at:at + WINDOW]
            for event in chunk:
                adapter.messages[event.message] = event.author.id  # they exist on the platform
            await asyncio.gather(*(runtime.handle(event) for event in chunk))
        await runtime.idle()

    await handle(events("warm")[:300])  # persons created, caches filled
    relay = runtime.processes.relay
    while relay is not None and await relay.drain():
        pass
    received_before = relay.received if relay is not None else 0
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
    batch = events("go")
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "relay-out":  # this process only takes what the other relays to it
        expected = count // 2
        while relay is not None and relay.received - received_before < expected:  # noqa: ASYNC110 (a counter)
            await asyncio.sleep(0.005)
    else:
        await handle(batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    handled = count // 2 if mode == "relay-out" else count
    statements = runtime.processes.seen.statements if runtime.processes.seen is not None else 0
    print(json.dumps({"wall": wall, "cpu": cpu, "handled": handled, "seen_statements": statements}), flush=True)
    await runtime.stop()


def _spawn(url: str, shards: list[int], count: int, run: str, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bench.bench_processes", "worker", url, ",".join(map(str, shards)),
                             str(count), run, mode], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def scenario(url: str, plan: list[tuple[list[int], int, str]]) -> dict[str, Any]:
    """Start the workers, let them all go at once, and add up what they did."""
    run = uuid.uuid4().hex[:8]
    procs = []
    for shards, count, mode in plan:  # one by one: the first to start is the leader
        proc = _spawn(url, shards, count, run, mode)
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"a bench worker did not start: {line!r}")
        procs.append(proc)
    began = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        assert proc.stdout is not None
        results.append(json.loads(proc.stdout.readline()))
    wall = time.perf_counter() - began
    for proc in procs:
        proc.wait(60)
    handled = sum(count for _s, count, mode in plan if mode != "relay-out")
    return {"messages": handled, "wall_s": round(wall, 3), "msgs_per_s": round(handled / wall),
            "cpu_s": [round(r["cpu"], 3) for r in results],
            "cpu_us_per_message": round(sum(r["cpu"] for r in results) / handled * 1e6),
            "dedupe_statements": sum(r["seen_statements"] for r in results)}


def run(url: str, n: int = 3000) -> dict[str, Any]:
    """Every scenario on one database, in one run."""
    out: dict[str, Any] = {"bench": "processes", "cores": os.cpu_count()}
    out["one_no_shared_dedupe"] = scenario(url, [([0, 1], 2 * n, "no-shared-dedupe")])
    out["one"] = scenario(url, [([0, 1], 2 * n, "own")])
    out["two"] = scenario(url, [([0], n, "own"), ([1], n, "own")])
    out["relayed"] = scenario(url, [([0], 2 * n, "relay-in"), ([1], 2 * n, "relay-out")])
    out["ratio_two_vs_one"] = round(out["two"]["msgs_per_s"] / out["one"]["msgs_per_s"], 2)
    out["ratio_one_vs_no_shared_dedupe"] = round(
        out["one"]["msgs_per_s"] / out["one_no_shared_dedupe"]["msgs_per_s"], 2)
    return out


def main() -> None:
    """Print one JSON object; start a throwaway PostgreSQL when none is given."""
    url = os.environ.get("STEWARD_BENCH_PG_URL") or os.environ.get("STEWARD_TEST_PG_URL")
    if not url:
        subprocess.run(["bash", str(ROOT / "scripts" / "with-postgres.sh"), sys.executable, "-m",
                        "bench.bench_processes"], cwd=ROOT, check=True)
        return
    from bench.bench_processes import run as run_all  # the same module, under its package name

    print(json.dumps(run_all(url)), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        asyncio.run(worker(sys.argv[2], [int(s) for s in sys.argv[3].split(",")], int(sys.argv[4]), sys.argv[5],
                           sys.argv[6]))
    else:
        main()
