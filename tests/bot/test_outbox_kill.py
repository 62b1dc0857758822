"""A child Steward killed with SIGKILL between each step of a ban's expiry (lift, mod-log post,
commit), restarted: the member is unbanned once and the mod log reads "Case #1 ended" once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.outbox import outbox_table
from bot.persons import Persons
from bot.refs import UserRef
from bot.scheduler import Scheduler
from bot.storage import Database
from cogs.moderation import repository as repo
from steward.catalog import discover
from tests.adapters.discord.conftest import build_world
from tests.adapters.discord.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]

# (step, entry): where the child dies. "staged" of the mod-log entry is inside the job's open
# transaction; "sending" is after the entry is marked and before the call; "sent" is after the
# platform answered and before the entry is marked done.
KILL_POINTS = [("staged", ":modlog:discord"), ("sending", ":lift"), ("sent", ":lift"),
               ("sending", ":modlog:discord"), ("sent", ":modlog:discord")]


def spawn(port: int, config: Path, step: str, key: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()}
    env.update(PYTHONPATH=str(ROOT), DISCORD_TOKEN="fake-token.for-tests")
    return subprocess.Popen([sys.executable, "-m", "tests.bot.outbox_child", str(port), str(config), step, key],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


async def wait_exit(proc: subprocess.Popen[str], limit: float = 60.0) -> int:
    for _ in range(int(limit / 0.05)):
        if proc.poll() is not None:
            return proc.returncode
        await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("the child did not reach its kill point")


@pytest.mark.parametrize(("step", "key"), KILL_POINTS, ids=[f"{s}{k.split(':')[1]}" for s, k in KILL_POINTS])
async def test_ban_expiry_survives_sigkill_at_each_step(db_url: str, tmp_path: Path, step: str, key: str) -> None:
    fake = FakeDiscord()
    port = await fake.start()
    world = build_world(fake)
    guild, alice = world.guild, world.alice
    fake.bans[guild.id] = {alice.id}
    config = tmp_path / "steward.yaml"
    config.write_text(f"""
storage: {{url: "{db_url}"}}
platforms:
  discord: {{token: "${{DISCORD_TOKEN:-}}", guild_ready_timeout: 0.05, ready_timeout: 10s}}
communities:
  - name: acme
    discord: {{guild: "{guild.id}"}}
    roles: {{moderator: [Moderators], admin: [Admins]}}
    channels: {{general: "#general", modlog: "#mod-log"}}
    moderation: {{rules: [{{name: x, words: [zzz], actions: [delete]}}]}}
""")
    catalog = discover()
    migrations = [c.migrations for c in catalog.cogs.values() if c.migrations is not None]
    migrations += [a.migrations for a in catalog.adapters.values() if getattr(a, "migrations", None)]
    db = await Database.open(db_url, migrations)
    now = datetime.now(UTC)
    async with db.session() as session, session.begin():  # cases are keyed by the member's person
        person = await Persons.create(session, "acme", UserRef("discord", str(alice.id)), now - timedelta(days=1))
        case = await repo.open_case(session, community="acme", person_id=person, platform="discord",
                                    user_id=str(alice.id),
                                    user_name="alice", kind="ban", reason="spam", created_at=now - timedelta(days=1),
                                    expires_at=now - timedelta(seconds=1))
    await Scheduler(db, SystemClock()).schedule("moderation.expire", now - timedelta(seconds=1), {"case": case.id},
                                                key=f"acme:expire:{case.id}", community="acme",
                                                grace=timedelta(days=3650))
    try:
        first = spawn(port, config, step, key)
        assert await wait_exit(first) == -signal.SIGKILL, first.stderr.read() if first.stderr else ""
        second = spawn(port, config, "none", "-")
        try:
            for _ in range(1200):
                async with db.session() as session:
                    statuses = (await session.execute(select(outbox_table.c.status))).scalars().all()
                if len(statuses) == 2 and set(statuses) == {"done"}:
                    break
                assert second.poll() is None, second.stderr.read() if second.stderr else ""
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # a repeat would show up now
        finally:
            second.terminate()
            second.wait(10)
        assert sorted(statuses) == ["done", "done"], statuses
        unbans = [c for c in fake.calls if c.method == "DELETE" and c.path == f"/guilds/{guild.id}/bans/{alice.id}"]
        assert len(unbans) == 1, f"the ban was lifted {len(unbans)} times"
        assert alice.id not in fake.bans[guild.id]
        modlog = guild.channels["mod-log"].id
        posts = [c for c in fake.calls if c.method == "POST" and c.path == f"/channels/{modlog}/messages"
                 and "Case #1 ended" in (c.json or {}).get("content", "")]
        seen = {(c.json or {}).get("nonce") for c in posts}
        assert posts and len(seen) == 1 and None not in seen, f"{len(posts)} posts, {len(seen)} seen"
        async with db.session() as session:
            ended = await repo.by_id(session, case.id)
        assert ended is not None and ended.state == "expired"
    finally:
        await db.close()
        await fake.stop()
