"""A spam wave through the real discord.py against the fake Discord: bulk deletes, one mod-log summary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime import Runtime
from steward.catalog import discover
from tests.adapters.discord.conftest import World, build_world, start_steward, write_config
from tests.adapters.discord.fake_discord import FakeDiscord, wait_until

SPAMMERS = 15


MODERATION = """\
    moderation:
      rules:
        - name: scam
          words: [freenitro]
          actions: [delete, {warn: 1}]
      escalation: {thresholds: {}}
      raid: {enabled: false}
      wave: {cases: 5, within: 1m, summary_every: 1s}
"""


@pytest.fixture
async def wave(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[tuple[World, Runtime]]:
    world = build_world(fake)
    for i in range(SPAMMERS):
        world.guild.member(f"spam{i}", "Members")
    runtime = await start_steward(write_config(tmp_path, world.guild, body=MODERATION, defer_after=0.5), discover())
    fake.mark()
    yield world, runtime
    await runtime.stop()


async def test_a_wave_is_bulk_deleted_and_summarised(wave: tuple[World, Runtime]) -> None:
    world, runtime = wave
    fake, guild = world.fake, world.guild
    general, modlog = guild.channels["general"].id, guild.channels["mod-log"].id
    posted = []
    for round_ in range(2):
        for i in range(SPAMMERS):
            posted.append((await fake.post(guild, "general", f"spam{i}", f"get freenitro {round_}"))["id"])

    def deleted() -> set[str]:
        bulk = {str(m) for c in fake.find("POST", rf"/channels/{general}/messages/bulk-delete$")
                for m in c.json["messages"]}
        single = {c.path.rsplit("/", 1)[1] for c in fake.find("DELETE", rf"/channels/{general}/messages/\d+$")}
        return bulk | single

    await wait_until(lambda: deleted() >= set(posted) or None, what="every spam message deleted")
    bulk_calls = fake.find("POST", rf"/channels/{general}/messages/bulk-delete$")
    assert bulk_calls and max(len(c.json["messages"]) for c in bulk_calls) >= 2
    summary = await wait_until(lambda: next((c for c in fake.find("POST", rf"/channels/{modlog}/messages$")
                                             if "Spam wave" in c.json["content"]), None), what="a wave summary")
    assert summary.json["allowed_mentions"]["parse"] == []
    labels = [c["label"] for row in summary.json["components"] for c in row["components"]]
    assert labels[1] == "Undo these cases" and labels[0].startswith("Ban these ")
    # far fewer mod-log posts than cases: at most the cases before the wave showed, plus summaries
    await runtime.idle()
    assert len(fake.find("POST", rf"/channels/{modlog}/messages$")) < 2 * SPAMMERS // 2
