"""Slack's message shortcut "Send to feedback", through the real slack-bolt app against the fake Web API:
the message becomes a feedback item credited to its author, and the member who sent it votes for it."""

from __future__ import annotations

import textwrap
from typing import Any

from bot.refs import UserRef
from cogs.feedback import store
from tests.adapters.slack.conftest import StartSteward

FEEDBACK = textwrap.dedent("""
    feedback:
      channel: "#general"
      reaction: "bulb"
""")


def shortcut(*, user: str, author: str, text: str, hook: str, fake: Any,
             ts: str = "1700000100.000200") -> dict[str, Any]:
    """A message_action payload as Slack sends it for a message shortcut."""
    return {
        "type": "message_action", "callback_id": "steward_feedback", "trigger_id": f"trig.share.{hook}",
        "action_ts": "1700000200.123456", "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": user, "name": "carol", "team_id": "T0001"}, "channel": {"id": "C0GENERAL", "name": "general"},
        "message": {"type": "message", "user": author, "ts": ts, "text": text},
        "response_url": fake.response_url(hook), "token": "legacy",
    }


async def test_send_to_feedback_captures_the_message_for_its_author(start_steward: StartSteward) -> None:
    steward = await start_steward(demo=False, sections=FEEDBACK)
    fake = steward.fake
    payload = shortcut(user="U0ALICE", author="U0BOB", text="please add &lt;dark mode&gt; to mobile", hook="s1",
                       fake=fake)
    assert await steward.interact(payload) == 200
    reply = (await fake.wait_calls("response_url"))[0]
    assert (reply.args["hook"], reply.args["response_type"]) == ("s1", "ephemeral")
    assert reply.args["text"].startswith("Your vote for #1 is in (1 vote).")
    await steward.runtime.idle()
    async with steward.runtime.db.session() as session:
        entry = await store.by_number(session, "acme", 1)
    bob = await steward.runtime.members.persons.get("acme", UserRef("slack", "U0BOB"))
    assert entry is not None and (entry.title, entry.source, entry.person_id, entry.votes) == (
        "please add <dark mode> to mobile", "shortcut", bob, 1)
    # the same message shared again is the same item
    assert await steward.interact(shortcut(user="U0BOB", author="U0BOB", text="x", hook="s2", fake=fake)) == 200
    await fake.wait_calls("response_url", 2)
    assert fake.of("response_url")[1].args["text"].startswith("#1 is in the feedback list.")
