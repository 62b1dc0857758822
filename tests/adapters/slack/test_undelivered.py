"""What can't be delivered on Slack, end to end through slack-bolt, the real moderation cog and the outbox:
a DM to a deactivated member, a DM whose answer was lost (it may have arrived: never repeated), and a
post whose file upload failed after the message went out (the retry uploads, it doesn't repost)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.actions import File, SendMessage
from bot.content import text
from bot.outbox import outbox_table
from bot.outbox.rules import DIRECT
from bot.refs import ChannelRef
from tests.adapters.slack.conftest import StartSteward, Steward
from tests.adapters.slack.fake_slack import Call, FakeSlack
from tests.adapters.slack.test_http import message

MODERATION = """
moderation:
  rules:
    - name: banned-words
      words: [casino]
      actions: [delete, {warn: 1}]
"""


def reports(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0MODLOG"
            and str(c.args.get("text", "")).startswith("Steward could not deliver")]


async def settle(steward: Steward) -> None:
    for _ in range(3):  # the case, its DM's failure, then the report the failure causes
        await steward.runtime.idle()
        await asyncio.sleep(0.05)


async def dm_rows(steward: Steward) -> list[tuple[str, int]]:
    async with steward.runtime.db.session() as session:
        rows = (await session.execute(select(outbox_table.c.status, outbox_table.c.reported)
                                      .where(outbox_table.c.lane == DIRECT))).all()
    return [(r.status, r.reported) for r in rows]


async def test_a_dm_to_a_deactivated_member_is_reported_in_the_mod_log_once(
        db_url: str, start_steward: StartSteward, fake: FakeSlack) -> None:
    steward = await start_steward(demo=False, sections=MODERATION, db=db_url)
    fake.deactivated.add("U0BOB")
    assert await steward.event(message("casino night", user="U0BOB", ts="1700000001.000100")) == 200
    await fake.wait_for(lambda: reports(fake))
    await settle(steward)
    [report] = reports(fake)
    body = report.args["text"]
    assert "1 thing" in body and "a DM to" in body and "U0BOB" in body, body
    assert "can't receive direct messages" in body, body
    assert "You were warned" in body, "what was not delivered is quoted"
    assert not [c for c in fake.of("chat.postMessage") if c.args["channel"].startswith("D")]
    assert await dm_rows(steward) == [("failed", 1)]
    # alice's case later: her DM arrives, and bob's failure is not told again
    assert await steward.event(message("casino again", user="U0ALICE", ts="1700000002.000100")) == 200
    await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if c.args["channel"] == "D0ALICE"])
    await settle(steward)
    assert len(reports(fake)) == 1


async def test_a_dm_whose_answer_was_lost_is_not_repeated_and_is_reported(
        db_url: str, start_steward: StartSteward, fake: FakeSlack) -> None:
    steward = await start_steward(demo=False, sections=MODERATION, db=db_url)
    fake.lost_answers.append(("chat.postMessage", "D0BOB"))
    assert await steward.event(message("casino night", user="U0BOB", ts="1700000001.000100")) == 200
    await fake.wait_for(lambda: reports(fake))
    await settle(steward)
    dms = [c for c in fake.of("chat.postMessage") if c.args["channel"] == "D0BOB"]
    assert len(dms) == 1, "Slack can't tell whether it arrived: a second copy would be worse than none"
    [report] = reports(fake)
    body = report.args["text"]
    assert "a DM to" in body and "may have arrived; not repeated" in body and "answer was lost" in body, body
    assert await dm_rows(steward) == [("unsure", 1)]


async def test_a_file_upload_that_fails_after_its_message_is_retried_without_reposting(
        start_steward: StartSteward, fake: FakeSlack) -> None:
    steward = await start_steward()
    fake.fail_next("files.completeUploadExternal", status=429, retry_after=0)
    action = SendMessage(channel=ChannelRef("slack", "C0HELP"), content=text("The invite:"),
                         files=(File("meetup.ics", b"BEGIN:VCALENDAR", "text/calendar"),))
    result = await steward.runtime.perform(action, steward.runtime.communities["acme"])
    assert result.ok, result
    await steward.runtime.idle()
    posts = [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0HELP"]
    assert len(posts) == 1, f"the message was posted {len(posts)} times"
    assert [u["filename"] for u in fake.uploads.values() if u["shared"]] == ["meetup.ics"]
    async with steward.runtime.db.session() as session:
        row = (await session.execute(select(outbox_table).where(outbox_table.c.channel == "ch:C0HELP"))).one()
    assert (row.status, row.attempts) == ("done", 2)
