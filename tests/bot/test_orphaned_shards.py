"""The leader's upkeep: a dead shard's timers taken over and handed back, long-dead processes forgotten."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cluster import Cluster, processes
from bot.processes import FORGET_DEAD_AFTER, ORPHAN_AFTER
from bot.scheduler import JobRun
from bot.testing import Harness
from cogs.moderation import COG
from tests.cogs.moderation.conftest import CONFIG
from tests.conftest import PG_URL

SHARD = "discord-shard:3"


@pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")
async def test_a_dead_shards_timers_are_run_by_the_leader_after_a_while_and_go_back_when_it_returns(
        db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("shards are split between processes on PostgreSQL")
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    leader = h.runtime.processes
    leader.owners = {"acme": SHARD}  # acme's server lives on shard 3, which another process runs
    ran: list[str] = []

    async def remind(run: JobRun) -> None:
        ran.append(run.key)

    scheduler = h.runtime.scheduler
    scheduler.register("test.remind", remind)
    other = Cluster(h.runtime.db, h.clock, partitions=[SHARD], name="shard-3-process")
    await other.start()
    returned: Cluster | None = None
    try:
        await scheduler.schedule("test.remind", h.clock.now() + timedelta(seconds=5), community="acme", key="r1")
        await leader.upkeep()
        await h.advance(seconds=10)
        assert ran == []  # due, but acme's timers run beside its shard, in the other process

        assert other._conn is not None and other._beat is not None
        other._beat.cancel()
        other._conn.terminate()  # killed: the server drops its locks as its connection goes
        await leader.upkeep()
        await h.advance(seconds=ORPHAN_AFTER.total_seconds() - 15)
        await leader.upkeep()
        assert ran == [] and leader.orphaned == frozenset()  # a restart this short keeps the timers waiting
        await h.advance(seconds=20)
        await leader.upkeep()
        assert leader.orphaned == {SHARD} and ran == ["r1"]  # taken over, and run once
        assert (await scheduler.get("r1")).status == "done"  # type: ignore[union-attr]

        returned = Cluster(h.runtime.db, h.clock, partitions=[SHARD], name="shard-3-again")
        await returned.start()
        await leader.upkeep()
        assert leader.orphaned == frozenset()  # handed back
        await scheduler.schedule("test.remind", h.clock.now() + timedelta(seconds=1), community="acme", key="r2")
        await h.advance(seconds=5)
        assert ran == ["r1"]

        # forget_dead: the killed process's row goes once it has been dead for FORGET_DEAD_AFTER; the
        # live ones stay however old their last beat
        async with h.runtime.db.session() as session, session.begin():
            await session.execute(processes.insert().values(
                name="died-an-hour-ago", host="h", pid=1, partitions=[], detail="", leader=False,
                started_at=h.clock.now(), seen_at=h.clock.now() + FORGET_DEAD_AFTER - timedelta(hours=1)))
        await h.advance(seconds=FORGET_DEAD_AFTER.total_seconds() + 60)
        leader._rounds = 0  # the next round is one that forgets
        await leader.upkeep()
        async with h.runtime.db.session() as session:
            names = set((await session.execute(select(processes.c.name))).scalars())
        assert "shard-3-process" not in names
        assert {"shard-3-again", "died-an-hour-ago", leader.cluster.name} <= names  # type: ignore[union-attr]
    finally:
        if returned is not None:
            await returned.stop()
        await h.close()
