"""Two Stewards on one PostgreSQL behind a load balancer, through the real slack-bolt AsyncApp.

Each runtime serves Slack's HTTP endpoint on its own port (as two replicas behind a load
balancer do) with the real moderation cog; both share the throwaway PostgreSQL. A workspace
without a Discord server lives with the scheduler leader (``bot.partitions``): what reaches the
other process is relayed to it, so the community's windows and raid counter stay whole.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.relay import relay_table, seen_table
from tests.adapters.slack.conftest import StartSteward, Steward
from tests.adapters.slack.test_http import message
from tests.adapters.slack.test_moderation_integration import _joiner, cases_of, dms_to, modlog, press, start
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="no STEWARD_TEST_PG_URL (run make test)")


async def two(start_steward: StartSteward, db_url: str) -> tuple[Steward, Steward]:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL (SQLite refuses a second one)")
    first = await start(start_steward, db=db_url)
    second = await start(start_steward, db=db_url)
    assert first.runtime.scheduler._leader and not second.runtime.scheduler._leader
    return first, second


async def settle(*stewards: Steward) -> None:
    """Let relayed rows be taken and every effect sent."""
    for _ in range(3):
        for s in stewards:
            assert s.runtime.processes.relay is not None
            await s.runtime.processes.relay.drain()
            await s.runtime.idle()
        await asyncio.sleep(0.05)


async def test_the_same_event_delivered_to_two_processes_is_handled_once(db_url: str,
                                                                         start_steward: StartSteward) -> None:
    leader, follower = await two(start_steward, db_url)
    fake = leader.fake
    event = message("win at the casino", user="U0BOB", ts="1700000200.000100")
    # a Slack retry landing on the other replica: the same event id, on both
    statuses = await asyncio.gather(leader.event(event, event_id="Ev0SAME01"),
                                    follower.event(event, event_id="Ev0SAME01", headers={"X-Slack-Retry-Num": "1"}))
    assert list(statuses) == [200, 200]
    await fake.wait_calls("chat.delete")
    await settle(leader, follower)
    assert len(fake.of("chat.delete")) == 1
    assert [c.kind for c in await cases_of(leader, "U0BOB")] == ["warn"]
    assert len([c for c in modlog(fake) if "Case #1" in c.args["text"]]) == 1
    async with leader.runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(seen_table)
                                    .where(seen_table.c.key == "slack:Ev0SAME01")) == 1
        assert await session.scalar(select(func.count()).select_from(relay_table)) == 0  # nothing left waiting


async def test_a_raid_spread_over_two_processes_is_one_raid(db_url: str, start_steward: StartSteward) -> None:
    leader, follower = await two(start_steward, db_url)
    fake = leader.fake
    # three joins within the minute (the config's raid threshold), landing on alternate replicas
    for n, steward in enumerate((leader, follower, follower), start=1):
        uid = f"U0RAID{n}"
        assert await steward.event({"type": "team_join", "user": _joiner(fake, uid, f"Raider {n}"),
                                    "event_ts": f"170000400{n}.000100"}, event_id=f"Ev0JOIN0{n}") == 200
    await fake.wait_for(lambda: [c for c in modlog(fake) if "Raid mode ON" in c.args["text"]])
    await settle(leader, follower)
    on = [c for c in modlog(fake) if "Raid mode ON" in c.args["text"]]
    assert len(on) == 1 and "3 joins in 1m" in on[0].args["text"]
    assert leader.cog("moderation").raid.active
    assert not follower.cog("moderation").raid.joins  # the follower counted nothing itself
    follower_relay = follower.runtime.processes.relay
    assert follower_relay is not None and follower_relay.sent == 2


async def test_a_command_on_the_other_process_is_answered_and_rate_limited_as_one(
        db_url: str, start_steward: StartSteward) -> None:
    leader, follower = await two(start_steward, db_url)
    fake = leader.fake
    # /steward raid on lands on the follower: handled where raid mode lives, answered via its response_url
    assert await follower.command("raid on", user="U0MOD", hook="raid") == 200
    answers = await fake.wait_for(lambda: [c for c in fake.of("response_url") if c.args["hook"] == "raid"])
    await settle(leader, follower)
    assert leader.cog("moderation").raid.active and not follower.cog("moderation").raid.active
    assert "Raid mode is on." in answers[0].args["text"]


async def test_a_reload_on_one_process_reaches_the_other(db_url: str, start_steward: StartSteward) -> None:
    leader, follower = await two(start_steward, db_url)
    fake = leader.fake
    path = follower.path
    path.write_text(path.read_text(encoding="utf-8").replace("words: [casino, badword]",
                                                             "words: [casino, badword, lottery]"), encoding="utf-8")
    assert await follower.runtime.reload() == []  # /reload or SIGHUP on the follower
    # the leader, where the community's messages are handled, reloads when told; within a poll
    await fake.wait_for(lambda: "lottery" in str(leader.cog("moderation").ctx.settings), within=10)
    assert await leader.event(message("free lottery tickets", user="U0BOB", ts="1700000300.000100"),
                              event_id="Ev0LOTTO1") == 200
    deleted = await fake.wait_calls("chat.delete")
    assert deleted[0].args["ts"] == "1700000300.000100"


async def test_a_form_opened_from_a_press_on_the_other_process_opens_or_falls_back_to_a_button_there(
        db_url: str, start_steward: StartSteward) -> None:
    leader, follower = await two(start_steward, db_url)
    fake = leader.fake
    assert await leader.event(message("badword here", user="U0BOB", ts="1700005000.000100"),
                              event_id="Ev0FORM01") == 200
    dm = (await fake.wait_for(lambda: dms_to(fake, "U0BOB")))[0]
    # bob's Appeal press lands on the follower: relayed with its trigger_id, the leader opens the form
    pressed = press(dm, "Appeal", user="U0BOB", hook="appeal-1", fake=fake)
    assert await follower.interact(pressed) == 200
    opened = (await fake.wait_calls("views.open"))[0]
    assert opened.args["trigger_id"] == pressed["trigger_id"] and opened.args["view"]["type"] == "modal"
    await settle(leader, follower)
    assert follower.runtime.processes.relay is not None and follower.runtime.processes.relay.sent == 1

    # a relay slower than Slack's 3 s: the trigger has expired, so the leader offers an "Open form" button
    late = press(dm, "Appeal", user="U0BOB", hook="appeal-2", fake=fake)
    fake.expired_triggers.add(late["trigger_id"])
    assert await follower.interact(late) == 200
    offer = (await fake.wait_for(lambda: [c for c in dms_to(fake, "U0BOB") if "Open form" in str(c.args)]))[0]
    # its press lands on the follower too, which never saw the offer: handed to the leader, which opens it
    again = press(offer, "Open form", user="U0BOB", hook="open", fake=fake)
    assert await follower.interact(again) == 200
    await fake.wait_calls("views.open", 3)
    await settle(leader, follower)
    last = fake.of("views.open")[2]
    assert last.args["trigger_id"] == again["trigger_id"] and last.args["view"]["title"]["text"] == "Appeal case #1"
    assert not [c for c in fake.of("response_url") if "expired" in str(c.args.get("text", ""))]
