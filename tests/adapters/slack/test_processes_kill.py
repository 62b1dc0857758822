"""Two ``steward run`` processes (the real CLI, Slack over HTTP against the fake) on one PostgreSQL,
the events cog's personal reminders coming due: the leader is killed with SIGKILL half-way and the
other process sends the rest. No reminder reaches its member twice; one the leader may have been
sending at the instant it died is not repeated but reported (Slack can't tell whether it arrived)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import SystemClock
from bot.outbox import outbox_table
from bot.persons import Persons
from bot.refs import UserRef
from bot.scheduler import Scheduler
from bot.storage import Database
from cogs.events import store
from steward.catalog import discover
from tests.adapters.slack.conftest import config_yaml
from tests.adapters.slack.fake_slack import FakeSlack
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[3]
REMINDERS = 40
EVENTS = textwrap.dedent("""
    events:
      channel: "#events"
      grace: 2h
""")


async def spawn(config: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if "PROXY" not in k.upper()}
    env["PYTHONPATH"] = str(ROOT)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "steward.cli", "run", "--config", str(config),
                                                cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    async with asyncio.timeout(60):
        while True:
            line = (await proc.stderr.readline()).decode()
            assert line, "the child stopped before it started"
            if "steward started" in line:
                break
    asyncio.get_running_loop().create_task(_drain(proc))
    return proc


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while await proc.stderr.readline():
        pass


def reminders_sent(fake: FakeSlack) -> list[str]:
    return [c.args["text"] for c in fake.of("chat.postMessage")
            if str(c.args.get("channel", "")).startswith("D") and "remind you" in c.args.get("text", "")]


@pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")
async def test_the_leader_killed_the_other_sends_its_due_reminders_once(db_url: str, fake: FakeSlack,
                                                                        tmp_path: Path) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL")
    fake.workspaces["T0001"].channels["C0EVENTS"] = {"id": "C0EVENTS", "name": "events", "is_private": False,
                                                     "is_archived": False}
    config = tmp_path / "steward.yaml"
    config.write_text(config_yaml(fake, db_url, sections=EVENTS,
                                  channels={"modlog": "#mod-log", "general": "#general", "events": "#events"}))
    catalog = discover()
    db = await Database.open(db_url, catalog.migrations())
    leader = await spawn(config)  # the first to start holds the advisory lock
    follower = await spawn(config)
    try:
        now = datetime.now(UTC)
        members = [UserRef("slack", "U0ALICE"), UserRef("slack", "U0BOB")]
        async with db.session() as session, session.begin():
            persons = [await Persons.create(session, "acme", m, now) for m in members]
            saved = [await store.add_personal(session, "acme", persons[i % 2], members[i % 2], "C0GENERAL",
                                              f"reminder {i:02d}", now + timedelta(seconds=1 + 8 * i / REMINDERS),
                                              None, ZoneInfo("UTC"), now)
                     for i in range(REMINDERS)]
        scheduler = Scheduler(db, SystemClock())  # not started: only schedules, as /remind would
        await scheduler.schedule_many([("events.personal", r.next_at, {"id": r.id},
                                        f"personal:{r.id}:{r.next_at:%Y%m%dT%H%M%SZ}") for r in saved],
                                      community="acme")
        await fake.wait_for(lambda: len(reminders_sent(fake)) >= 5, within=30)
        leader.send_signal(signal.SIGKILL)
        await leader.wait()
        killed_with = len(reminders_sent(fake))
        assert killed_with < REMINDERS, "the kill came too late to show a take-over"

        async def accounted() -> bool:
            async with db.session() as session:
                statuses = (await session.execute(select(outbox_table.c.status)
                                                  .where(outbox_table.c.key.contains("personal:"),
                                                         ~outbox_table.c.key.startswith("outbox-report:")))).scalars().all()
            return len(statuses) == REMINDERS and set(statuses) <= {"done", "unsure"}

        for _ in range(600):  # the follower takes the lease (within its 5 s poll) and the dead one's entries
            if await accounted():
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # a repeat would show up now
        sent = reminders_sent(fake)
        async with db.session() as session:
            rows = (await session.execute(select(outbox_table.c.key, outbox_table.c.status,
                                                 outbox_table.c.owner))).all()
        assert await accounted(), sorted((r.key, r.status) for r in rows)
        reminders = [r for r in rows if "personal:" in r.key and not r.key.startswith("outbox-report:")]
        notes = [text.split("remind you: ", 1)[1][:11] for text in sent]
        assert len(notes) == len(set(notes)), "no member got a reminder twice"
        unsure = [r for r in reminders if r.status == "unsure"]
        # one the leader was sending as it died may have arrived or not: not repeated, told to the mod log
        assert REMINDERS - len(unsure) <= len(sent) <= REMINDERS and len(unsure) <= 2
        reports = {r.key for r in rows if r.key.startswith("outbox-report:")}
        assert not unsure or reports, "an entry that may not have arrived is reported in the mod log"
        assert len({r.owner for r in reminders}) == 2, "both processes delivered some"
    finally:
        for proc in (leader, follower):
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    proc.kill()
        await db.close()
