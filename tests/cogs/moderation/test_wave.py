"""Spam waves: group commits, bulk deletes, one mod-log summary per channel, one DM per member."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.actions import Action, BanMember, BulkDelete, DeleteMessage, SendDirect, SendMessage
from bot.capabilities import Capability
from bot.components import Button
from bot.events import MessagePosted
from bot.facts import CaseOpened
from bot.refs import MessageRef
from bot.testing import Harness, P
from cogs.moderation import COG
from cogs.moderation import repository as repo
from cogs.moderation.batching import Batcher
from cogs.moderation.models import CaseRow
from cogs.moderation.wave import WaveEntry, ranges, summary_lines

CONFIG = """
communities:
  - name: acme
    roles: {moderator: [Moderators]}
    channels: {modlog: "#mod-log", general: "#general", help: "#help"}
    commands: {per_member: 50, window: 10s}
    moderation:
      rules:
        - name: scam
          words: [freenitro, airdrop]
          actions: [delete, {warn: 1}]
      escalation: {thresholds: {}}
      raid: {enabled: false}
      wave: {cases: 10, within: 5s, summary_every: 5s}
"""
_ids = itertools.count(1)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG})
    harness.add_member("mo", "Moderators", rank=10)
    yield harness
    await harness.close()


async def burst(h: Harness, posts: Sequence[tuple[str, str]], text: str = "get freenitro here") -> list[Action]:
    """Every (member, channel) posts at once, as a raid delivers them."""
    before = len(h.adapter.performed)
    events = []
    for who, channel in posts:
        if who not in h.adapter.members:
            h.add_member(who)
        n = next(_ids)
        h.adapter.exists(MessageRef(P, channel, f"m{n}"))
        events.append(MessagePosted(platform=P, scope=h.adapter.scope, event_id=f"b{n}", occurred_at=h.clock.now(),
                                    message=MessageRef(P, channel, f"m{n}"), author=h.user(who), author_name=who,
                                    text=text, channel_name=f"#{channel}"))
    await asyncio.gather(*(h.runtime.handle(e) for e in events))
    await h.runtime.idle()
    return h.adapter.performed[before:]


def modlog(actions: Sequence[Action]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.channel.id == "mod-log"]


async def case_count(h: Harness) -> int:
    async with h.runtime.db.session() as session:  # type: ignore[union-attr]
        return int((await session.execute(select(func.count()).select_from(CaseRow))).scalar_one())


async def test_a_quiet_channel_gets_one_post_per_case_at_once(h: Harness) -> None:
    for i in range(5):
        actions = await h.post(f"m{i}", "claim the airdrop")
        [post] = modlog(actions)
        assert post.content.plain().startswith(f"Case #{i + 1} · warn")
        assert len([a for a in actions if isinstance(a, DeleteMessage)]) == 1
        await h.advance(seconds=2)


async def test_a_wave_is_bulk_deleted_and_summarised_once_per_channel(h: Harness) -> None:
    spammers = [(f"spam{i}", "general") for i in range(40)]
    actions = await burst(h, spammers)
    assert await case_count(h) == 40  # every case is on file
    # at most the cases before the wave showed are posted one by one; the rest wait for the summary
    assert len(modlog(actions)) < 10
    bulk = [a for a in actions if isinstance(a, BulkDelete)]
    deleted = sum(len(a.messages) for a in bulk) + sum(isinstance(a, DeleteMessage) for a in actions)
    assert deleted == 40 and bulk and max(len(a.messages) for a in bulk) > 1
    # more of the wave, and a quiet channel beside it keeps its one post per case at once
    actions = await burst(h, spammers[:20])
    assert modlog(actions) == []
    [quiet] = modlog(await h.post("calm", "free airdrop", channel="#help"))
    assert "Case #61 · warn" in quiet.content.plain()
    [summary] = modlog(await h.advance(seconds=5))
    shown = summary.content.plain()
    assert shown.startswith("🌊 Spam wave in #general:")
    assert "By rule: scam ×" in shown and "spam0 ×2" in shown and "#" in shown.split("Cases: ")[1]
    assert [b.label for b in summary.content.buttons] == ["Ban these 40", "Undo these cases"]
    assert modlog(await h.advance(seconds=10)) == []  # nothing new, nothing posted


async def test_wave_buttons_act_once_and_never_on_the_presser(h: Harness) -> None:
    await burst(h, [(f"spam{i}", "general") for i in range(30)])
    [summary] = modlog(await h.advance(seconds=5))
    ban, undo = summary.content.buttons
    actions = await h.press("mo", ban)
    banned = [a for a in actions if isinstance(a, BanMember)]
    people = int(ban.label.rsplit(" ", 1)[1])
    assert len(banned) == people and len({a.user for a in banned}) == people
    assert f"Banned {people} member(s)." in texts_of(actions)
    again = await h.press("mo", ban)
    assert [a for a in again if isinstance(a, BanMember)] == []
    assert any("Nobody left to ban" in t for t in texts_of(again))
    # a member can't press it
    assert any("is for moderators" in t for t in texts_of(await h.press("spam1", undo)))
    assert any(t.startswith("Undid") for t in texts_of(await h.press("mo", undo)))
    assert any("already undone" in t for t in texts_of(await h.press("mo", undo)))


def texts_of(actions: Sequence[Action]) -> list[str]:
    return [c.plain() for a in actions if (c := getattr(a, "content", None)) is not None]


async def test_a_member_hit_30_times_in_a_wave_gets_one_dm(h: Harness) -> None:
    others = [(f"spam{i}", "general") for i in range(12)]
    await burst(h, others)  # the channel is in a wave now
    dms = []
    for _ in range(30):
        dms += [a for a in await burst(h, [("loud", "general")]) if isinstance(a, SendDirect)]
    assert len(dms) == 1 and "You were warned" in dms[0].content.plain()
    assert await case_count(h) == 42  # every hit is still a case


async def test_without_bulk_delete_the_wave_deletes_one_by_one(db_url: str) -> None:
    caps = {c for c in Capability} - {Capability.BULK_DELETE}
    h = await Harness.start(CONFIG, db_url=db_url, cogs={"moderation": COG}, capabilities=caps)
    try:
        actions = await burst(h, [(f"spam{i}", "general") for i in range(30)])
        assert [a for a in actions if isinstance(a, BulkDelete)] == []
        assert sum(isinstance(a, DeleteMessage) for a in actions) == 30
    finally:
        await h.close()


async def test_group_commit_batches_what_arrives_together() -> None:
    batches: list[list[int]] = []

    async def run(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0)
        return [i * 10 for i in items]

    batcher: Batcher[int, int] = Batcher(run)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(50)))
    assert results == [i * 10 for i in range(50)]
    assert batches == [list(range(50))]
    assert await batcher.submit(7) == 70  # alone, it runs on its own


async def test_a_batchs_callers_are_woken_a_slice_per_turn_of_the_loop() -> None:
    turns = 0
    woken_in_turn: dict[int, int] = {}

    async def ticker() -> None:  # counts turns of the loop: one step per turn
        nonlocal turns
        while True:
            await asyncio.sleep(0)
            turns += 1

    async def run(items: list[int]) -> list[int]:
        return items

    async def caller(batcher: Batcher[int, int], i: int) -> None:
        await batcher.submit(i)
        woken_in_turn[turns] = woken_in_turn.get(turns, 0) + 1

    tick = asyncio.create_task(ticker())
    batcher: Batcher[int, int] = Batcher(run, wake=10)
    await asyncio.gather(*(caller(batcher, i) for i in range(95)))
    tick.cancel()
    assert sum(woken_in_turn.values()) == 95
    assert max(woken_in_turn.values()) <= 10 and len(woken_in_turn) >= 10  # never all at once


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_runs() -> None:
    calls = 0

    async def run(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk full")
        return items

    batcher: Batcher[int, int] = Batcher(run)
    first = await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in first)
    assert await batcher.submit(4) == 4


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=60, unique=True),
       st.lists(st.sampled_from(["ann", "bob", "<@everyone>", "**x**"]), min_size=1, max_size=60))
def test_summary_counts_add_up(numbers: list[int], names: list[str]) -> None:
    entries = [WaveEntry(n, n, "scam", names[i % len(names)], str(i % len(names))) for i, n in enumerate(numbers)]
    rules, members, cases = summary_lines(entries)
    assert rules == f"scam ×{len(entries)}"
    assert sum(int(part.rsplit("×", 1)[1]) for part in members.split(", ") if "×" in part) <= len(entries)
    shown = ranges(sorted(numbers), limit=1000)
    covered = set()
    for run in shown.split(", "):
        a, _, b = run.partition("–")
        covered.update(range(int(a.lstrip("#")), int((b or a).lstrip("#")) + 1))
    assert covered == set(numbers) and cases


def test_summary_button_values_fit_every_platform() -> None:
    # Discord custom ids are at most 100 characters
    button = Button("Ban these 200", "moderation:wave_ban", f"{'9' * 20}:{10**9}:{10**9 + 5000}")
    assert len(f"{button.action}|{button.value}") <= 100


async def test_a_waves_group_commits_are_keyed_by_person_and_publish_each_case(h: Harness) -> None:
    # cases of several members written in shared batches: each person's points are theirs alone,
    # and every case is still published as a fact about its person
    mod = next(c for c in h.runtime.cogs_of("acme") if c.name == "moderation")
    await burst(h, [("ann", "general"), ("ann", "help"), ("bea", "general")] * 4)
    assert await case_count(h) == 12
    ann, bea = await mod.ctx.person(h.user("ann")), await mod.ctx.person(h.user("bea"))
    async with h.runtime.db.session() as session:  # type: ignore[union-attr]
        totals = await repo.points_of(session, "acme", {ann, bea}, h.clock.now())
    assert totals == {ann: 8, bea: 4}
    opened = await mod.ctx.facts((CaseOpened,))
    assert len(opened) == 12 and sum(f.person == ann for f in opened) == 8
    assert {f.person for f in opened} == {ann, bea}
