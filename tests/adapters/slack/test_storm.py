"""A 30-second 429 storm on the mod-log channel, on the fake's and Steward's shared clock.

The real moderation cog and slack-bolt against the fake Slack; time is a ManualClock the test
moves in half seconds, so the storm is 30 s of that clock and the test doesn't wait for it.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.outbox import outbox_table
from tests.adapters.slack.conftest import StartSteward, Steward
from tests.adapters.slack.fake_slack import Call, FakeSlack
from tests.adapters.slack.test_http import message

# A per-case mod-log post for each of the 24 (the outbox is under test here, not the cog's
# wave coalescing, which tests/cogs/moderation/test_wave.py covers): waves need 1,000 cases.
MODERATION = """
moderation:
  wave: {cases: 1000}
  rules:
    - name: banned-words
      words: [casino]
      actions: [delete, {warn: 1}]
"""
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
STORM = timedelta(seconds=30)
WAVE = 24


def to_modlog(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0MODLOG"]


async def advance(steward: Steward, clock: ManualClock, seconds: float) -> None:
    await clock.advance(timedelta(seconds=seconds))
    await steward.runtime.idle()


async def test_a_storm_on_the_mod_log_delivers_every_post_once_and_answers_commands(
        db_url: str, start_steward: StartSteward, fake: FakeSlack) -> None:
    clock = ManualClock(T0)
    fake.clock = clock
    fake.storm("chat.postMessage", "C0MODLOG", T0 + STORM, [4, 6, 8, 5, 7])
    steward = await start_steward(demo=False, sections=MODERATION, clock=clock, post_interval=1, db=db_url)


    for i in range(WAVE):  # a wave of rule-breaking messages, half a second apart
        author = "U0BOB" if i % 2 else "U0ALICE"
        assert await steward.event(message(f"casino {i}", user=author, ts=f"1700000{i:03d}.000100")) == 200
        await fake.wait_for(lambda n=i: len(fake.of("chat.delete")) > n)

        await advance(steward, clock, 0.5)

    asked_at = clock.now()  # a moderator's /warn in the middle of the storm
    assert asked_at < T0 + STORM
    assert await steward.command("warn <@U0BOB|bob> spam", user="U0MOD", hook="mod") == 200
    reply = await fake.wait_for(lambda: [c for c in fake.of("response_url") if c.args["hook"] == "mod"])
    await steward.runtime.idle()
    assert reply[0].args["text"] == f"Case #{WAVE + 1}: warn Bob."
    assert reply[0].when is not None and reply[0].when - asked_at <= timedelta(seconds=3)

    dms_during_storm = [c for c in fake.of("chat.postMessage")
                        if c.args["channel"].startswith("D") and c.when is not None and c.when < T0 + STORM]
    assert len(dms_during_storm) >= 10, "the cases' DMs don't wait for their mod-log posts"

    for _ in range(200):  # 100 s of the clock: the storm, then the queue drained at 1 post/s

        await advance(steward, clock, 0.5)

    limited = fake.limited
    assert len(limited) >= 4, "the storm happened"
    posts = to_modlog(fake)
    for at, _channel, retry in limited:
        inside = [c for c in posts if c.when is not None and at < c.when < at + timedelta(seconds=retry)]
        assert not inside, f"sent {len(inside)} post(s) inside a Retry-After of {retry}s given at {at:%T}"
    delivered = [c for c in posts if c.when is not None and c.when >= T0 + STORM]
    numbers = [int(m.group(1)) for c in delivered if (m := re.search(r"Case #(\d+) ·", c.args["text"]))]
    assert sorted(numbers) == list(range(1, WAVE + 2)), "every case's post delivered exactly once"
    gaps = [b.when - a.when for a, b in itertools.pairwise(posts) if a.when and b.when]
    assert min(gaps) >= timedelta(seconds=1), "one post per second in the channel, retries included"
    async with steward.runtime.db.session() as session:
        left = (await session.execute(select(func.count()).select_from(outbox_table)
                                      .where(outbox_table.c.status != "done"))).scalar_one()
    assert left == 0
