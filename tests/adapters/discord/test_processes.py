"""Two ``steward run`` processes against the fake Discord on one PostgreSQL, the shards split.

The real discord.py in each process identifies with its own shard; the fake sends each guild's
events only to the shard Discord would, ``(guild_id >> 22) % count``. Process one reads its shard
from the config, process two from ``STEWARD_SHARD_IDS`` (as a container replica does); a third
asking for a shard already run is refused.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.partitions import shard_of
from bot.relay import seen_table
from bot.storage import Database
from tests.adapters.discord.conftest import World, build_world
from tests.adapters.discord.fake_discord import FakeDiscord, wait_until
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")


class Child:
    """A ``steward run`` child whose standard error (its log) is collected as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip())

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    async def started(self) -> None:
        await wait_until(lambda: "steward started" in self.log or self.proc.returncode is not None,
                         within=60, what="steward started")
        assert self.proc.returncode is None, self.log

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await self.reader


async def spawn(port: int, *args: str, env: dict[str, str] | None = None) -> Child:
    base = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper() and not k.startswith("STEWARD_SHARD")}
    base.update(PYTHONPATH=str(ROOT), DISCORD_TOKEN="fake-token.for-tests", **(env or {}))
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bot.steward_child", str(port), *args,
                                                cwd=ROOT, env=base, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    return Child(proc)


def two_worlds(fake: FakeDiscord) -> tuple[World, World]:
    """Two servers, one on each shard of two."""
    found: dict[int, World] = {}
    while len(found) < 2:
        world = build_world(fake)
        shard = shard_of(world.guild.id, 2)
        if shard in found:
            del fake.guilds[world.guild.id]
        else:
            found[shard] = world
    return found[0], found[1]


def config(tmp_path: Path, db_url: str, a: World, b: World) -> Path:
    path = tmp_path / "steward.yaml"
    community = """
  - name: {name}
    discord: {{guild: "{guild}"}}
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels: {{general: "#general", modlog: "#mod-log"}}
    moderation: {{rules: [{{name: spam, words: [zzz], actions: [delete]}}]}}"""
    path.write_text(f"""
storage: {{url: "{db_url}"}}
log_level: info
platforms:
  discord: {{token: "${{DISCORD_TOKEN:-}}", guild_ready_timeout: 0.05, ready_timeout: 20s,
            shards: {{count: 2, ids: "0"}}}}
communities:{community.format(name="acme", guild=a.guild.id)}{community.format(name="beta", guild=b.guild.id)}
""")
    return path


async def test_two_processes_split_the_shards_and_each_guild_is_handled_by_one(db_url: str, tmp_path: Path) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL")
    fake = FakeDiscord()
    port = await fake.start()
    fake.shard_count = 2
    a, b = two_worlds(fake)
    path = config(tmp_path, db_url, a, b)
    children: list[Child] = []
    try:
        one = await spawn(port, "run", "--config", str(path))  # shard 0, from the config
        children.append(one)
        await one.started()
        two = await spawn(port, "run", "--config", str(path), env={"STEWARD_SHARD_IDS": "1"})  # from the environment
        children.append(two)
        await two.started()
        assert f"discord: running shards 0 of 2; servers here: {a.guild.id}" in one.log
        assert f"discord: running shards 1 of 2; servers here: {b.guild.id}" in two.log
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]

        # a third replica configured with a range overlapping a running one is refused, clearly
        third = await spawn(port, "run", "--config", str(path), env={"STEWARD_SHARD_IDS": "0-1"})
        assert await asyncio.wait_for(third.proc.wait(), 60) == 1
        await third.reader
        assert "Discord shard 0 is already run by another Steward process" in third.log, third.log

        # each guild's message reaches the one process running its shard, and is deleted once
        posted_a = await fake.post(a.guild, "general", "alice", "zzz in acme")
        posted_b = await fake.post(b.guild, "general", "alice", "zzz in beta")
        for world, posted in ((a, posted_a), (b, posted_b)):
            channel = world.guild.channels["general"].id
            await fake.wait_for("DELETE", rf"/channels/{channel}/messages/{posted['id']}$", within=20)
        await asyncio.sleep(0.5)  # a second delete would show up now
        for world, posted in ((a, posted_a), (b, posted_b)):
            channel = world.guild.channels["general"].id
            assert len(fake.find("DELETE", rf"/channels/{channel}/messages/{posted['id']}$")) == 1

        # a server's events reach one process only: nothing was claimed in PostgreSQL for them, so the
        # clean-message path of a Discord server makes no database round trip for de-duplication
        db = Database(db_url)  # a plain connection: the children applied the migrations
        try:
            async with db.session() as session:
                claimed = await session.scalar(select(func.count()).select_from(seen_table))
        finally:
            await db.close()
        assert claimed == 0

        # steward status: one line per process, leader or follower, its shards, its scheduler lag
        status = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "steward.cli", "status", "--config", str(path), cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "x"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(status.communicate(), 60)
        lines = out.decode().splitlines()
        assert status.returncode == 0, err.decode()
        assert len(lines) == 2, lines
        assert "leader; discord-shard:0;" in lines[0] and "scheduler lag 0.0 s" in lines[0]
        assert "follower; discord-shard:1;" in lines[1] and "scheduler lag 0.0 s" in lines[1]
        assert "discord: shards 1 of 2" in lines[1]
    finally:
        for child in children:
            await child.stop()
        await fake.stop()
    assert fake.unmodelled == []
