"""Several processes on one database: shard ranges, overlapping ranges refused, SQLite kept to one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.discord import ShardRange, with_environment
from adapters.discord.settings import DiscordSettings
from bot.clock import ManualClock
from bot.cluster import Cluster, live_processes
from bot.errors import StartupError
from bot.partitions import format_ranges, parse_ranges, shard_of
from bot.storage import Database
from tests.conftest import PG_URL

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_shard_ranges_read_as_an_admin_writes_them() -> None:
    assert parse_ranges("0-3", 8) == [0, 1, 2, 3]
    assert parse_ranges(" 4-5, 7 ", 8) == [4, 5, 7]
    assert format_ranges([0, 1, 2, 3, 6]) == "0-3,6"
    for bad, why in [("0-8", "0 to 7"), ("3-1", "backwards"), ("a", "not a shard id"), ("1,,2", "empty"),
                     ("", "no shard ids"), ("٣", "not a shard id"), ("-1", "not a shard id")]:
        with pytest.raises(ValueError, match=why):
            parse_ranges(bad, 8)


@given(st.text(max_size=30), st.integers(min_value=1, max_value=64))
def test_any_shard_text_is_read_or_refused_with_a_reason(spec: str, count: int) -> None:
    try:
        ids = parse_ranges(spec, count)
    except ValueError as exc:
        assert str(exc)
        return
    assert ids and all(0 <= i < count for i in ids)
    assert parse_ranges(format_ranges(ids), count) == ids


@given(st.sets(st.integers(min_value=0, max_value=99), min_size=1))
def test_ranges_round_trip(ids: set[int]) -> None:
    assert parse_ranges(format_ranges(sorted(ids)), 100) == sorted(ids)


def test_the_environment_gives_a_replica_its_shards() -> None:
    settings = DiscordSettings(token="t", shards=ShardRange(count=8, ids="0-3"))
    moved = with_environment(settings, {"STEWARD_SHARD_IDS": "4-7"})
    assert isinstance(moved.shards, ShardRange) and moved.shards.shard_ids() == [4, 5, 6, 7]
    both = with_environment(DiscordSettings(token="t"), {"STEWARD_SHARD_COUNT": "4", "STEWARD_SHARD_IDS": "1"})
    assert isinstance(both.shards, ShardRange) and (both.shards.count, both.shards.shard_ids()) == (4, [1])
    assert with_environment(settings, {}) is settings
    for env, why in [({"STEWARD_SHARD_IDS": "9"}, "0 to 7"), ({"STEWARD_SHARD_COUNT": "x"}, "not a shard count"),
                     ({"STEWARD_SHARD_COUNT": "0"}, "greater than or equal to 1")]:
        with pytest.raises(StartupError, match=why):
            with_environment(settings, env)
    with pytest.raises(StartupError, match="needs a shard count"):
        with_environment(DiscordSettings(token="t"), {"STEWARD_SHARD_IDS": "1"})


def test_a_guild_lives_on_the_shard_discord_sends_it_to() -> None:
    guild = 123456789012345678
    assert shard_of(guild, 8) == (guild >> 22) % 8


async def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}"
    db = await Database.open(url)
    first = Cluster(db, ManualClock(NOW))
    await first.start()
    try:
        with pytest.raises(StartupError, match=r"SQLite is for one process.*PostgreSQL"):
            await Cluster(db, ManualClock(NOW)).start()
    finally:
        await first.stop()
    again = Cluster(db, ManualClock(NOW))  # once the first is gone, a new one starts
    await again.start()
    await again.stop()
    await db.close()


@pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")
async def test_overlapping_shard_ranges_are_refused_and_a_dead_process_frees_its_shards(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("shards are split between processes on PostgreSQL")
    db = await Database.open(db_url)
    a = Cluster(db, ManualClock(NOW), partitions=["discord-shard:0", "discord-shard:1"], name="a")
    await a.start()
    b = Cluster(db, ManualClock(NOW), partitions=["discord-shard:1", "discord-shard:2"], name="b")
    with pytest.raises(StartupError, match=r"shard 1 is already run by another Steward process \(a, running"):
        await b.start()
    assert [p.name for p in await live_processes(db)] == ["a"]
    await a.stop()
    c = Cluster(db, ManualClock(NOW), partitions=["discord-shard:1"], name="c")
    await c.start()
    assert [(p.name, p.partitions) for p in await live_processes(db)] == [("c", ("discord-shard:1",))]
    await c.stop()
    await db.close()


@pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")
async def test_an_outbox_entry_goes_out_from_one_process_and_a_dead_ones_are_taken_over(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL")
    from bot.actions import SendMessage
    from bot.content import text
    from bot.outbox import outbox_table
    from bot.outbox.codec import encode
    from bot.refs import ChannelRef
    from bot.testing import Harness
    from cogs.moderation import COG
    from tests.cogs.moderation.conftest import CONFIG

    first = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    assert first.runtime.processes.cluster is not None
    now = first.clock.now()

    def row(key: str, owner: str) -> dict[str, object]:
        action = SendMessage(channel=ChannelRef("memory", "general"), content=text(f"from {key}"))
        return {"key": key, "community": "acme", "platform": "memory", "lane": "post", "channel": "memory:general",
                "action": encode(action), "status": "pending", "attempts": 0, "not_before": now, "created_at": now,
                "reported": 0, "owner": owner}

    async with first.runtime.db.session() as session, session.begin():
        await session.execute(outbox_table.insert(), [row("live-one", first.runtime.processes.cluster.name),
                                                      row("dead-one", "a process that was killed")])
    second = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    try:
        await second.runtime.idle()
        sent = [a for a in second.adapter.performed if isinstance(a, SendMessage)]
        assert [a.content.segments for a in sent] == [("from dead-one",)]  # the live process's entry is left to it
        async with second.runtime.db.session() as session:
            owners = dict((await session.execute(select(outbox_table.c.key, outbox_table.c.owner))).all())
        assert owners["live-one"] == first.runtime.processes.cluster.name
        cluster = second.runtime.processes.cluster
        assert cluster is not None and owners["dead-one"] == cluster.name
    finally:
        await second.close()
        await first.close()


@given(st.text(max_size=200), st.text(max_size=40), st.lists(st.text(max_size=10), max_size=3))
def test_any_event_relayed_to_another_process_arrives_as_it_left(text: str, name: str, options: list[str]) -> None:
    from bot.events import CommandInvoked, MessagePosted, Origin
    from bot.outbox.codec import decode_value, encode_value
    from bot.refs import ChannelRef, MessageRef, UserRef

    user = UserRef("slack", "U0BOB")
    posted = MessagePosted(platform="slack", scope="T1", event_id="Ev1", occurred_at=NOW, community="acme",
                           message=MessageRef("slack", "C1", "1.2"), author=user, author_name=name, text=text)
    command = CommandInvoked(platform="slack", scope="T1", event_id="cmd:1", occurred_at=NOW,
                             command="warn", raw=text, origin=Origin("slack", "T1", user, ChannelRef("slack", "C1"),
                                                                    token="t"),
                             options={f"o{i}": v for i, v in enumerate(options)})
    for event in (posted, command):
        assert decode_value(encode_value(event)) == event
