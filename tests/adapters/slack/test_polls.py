"""A poll on Slack: the real slack-bolt AsyncApp against the fake Web API, Steward built as `steward run` builds it."""

from __future__ import annotations

from typing import Any

from tests.adapters.slack.conftest import StartSteward, Steward
from tests.adapters.slack.fake_slack import Call, FakeSlack
from tests.adapters.slack.test_http import block_action


def buttons(call: Call) -> dict[str, dict[str, Any]]:
    """The buttons of a recorded post or update, by label."""
    return {e["text"]["text"]: e for b in call.args.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]}


def press(card: Call, label: str, *, user: str, hook: str, fake: FakeSlack) -> dict[str, Any]:
    """A block_actions payload pressing ``label`` on the poll's card in #general, as Slack sends it."""
    assert card.answer is not None
    button = buttons(card)[label]
    payload = block_action(button["action_id"], button["value"], user=user)
    ts = card.answer["ts"]
    payload.update(response_url=fake.response_url(hook), trigger_id=f"trig.press.{hook}",
                   container={"type": "message", "message_ts": ts, "channel_id": "C0GENERAL", "is_ephemeral": False},
                   channel={"id": "C0GENERAL", "name": "general"},
                   message={"type": "message", "ts": ts, "text": card.args["text"], "bot_id": "B0BOT"})
    return payload


async def said(fake: FakeSlack, hook: str) -> str:
    """What Steward answered privately through a command's or a press's response_url."""
    found = await fake.wait_for(lambda: [c for c in fake.of("response_url") if c.args["hook"] == hook])
    assert found[0].args["response_type"] == "ephemeral"
    return str(found[0].args["text"])


async def test_a_poll_with_buttons_a_moved_vote_counted_once_and_the_result(start_steward: StartSteward) -> None:
    steward: Steward = await start_steward(demo=False, sections="engagement: {}")
    fake = steward.fake
    await steward.command('poll "Pizza or sushi?" Pizza Sushi', user="U0MOD", hook="ask")
    assert "Poll #1 is up" in await said(fake, "ask")
    [card] = await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0GENERAL"])
    assert card.args["text"].startswith("📊 Poll #1: Pizza or sushi?")
    assert list(buttons(card)) == ["Pizza", "Sushi"]
    ts = card.answer["ts"] if card.answer else ""

    def card_updates() -> list[Call]:
        return [c for c in fake.of("chat.update") if (c.args["channel"], c.args["ts"]) == ("C0GENERAL", ts)]

    assert await steward.interact(press(card, "Pizza", user="U0ALICE", hook="a1", fake=fake)) == 200
    assert await said(fake, "a1") == "You voted for “Pizza” (press another option to change it)."
    assert await steward.interact(press(card, "Pizza", user="U0BOB", hook="b1", fake=fake)) == 200
    assert await said(fake, "b1") == "You voted for “Pizza” (press another option to change it)."
    assert await steward.interact(press(card, "Sushi", user="U0ALICE", hook="a2", fake=fake)) == 200
    assert await said(fake, "a2") == "Your vote moved from “Pizza” to “Sushi”."
    await fake.wait_for(lambda: card_updates() and "Sushi — 1" in card_updates()[-1].args["text"])
    shown = card_updates()[-1]
    assert "Pizza — 1 ·" in shown.args["text"] and "2 voter(s)" in shown.args["text"]  # alice counted once
    assert list(buttons(shown)) == ["Pizza", "Sushi"]  # still open
    await steward.command("poll close 1", user="U0MOD", hook="close")
    assert await said(fake, "close") == "Poll #1 is closed; the results are posted."
    [result] = await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage")
                                            if c.args["text"].startswith("🏁 Poll #1 closed")])
    assert result.args["channel"] == "C0GENERAL" and result.args["thread_ts"] == ts  # under the card
    assert "A tie between Pizza and Sushi, 1 vote(s) each." in result.args["text"]
    final = await fake.wait_for(lambda: [c for c in card_updates() if "closed" in c.args["text"]])
    assert buttons(final[-1]) == {}  # no buttons once closed
    assert len([c for c in fake.of("chat.postMessage") if c.args["text"].startswith("📊")]) == 1  # never reposted
    assert await steward.interact(press(card, "Pizza", user="U0BOB", hook="late", fake=fake)) == 200
    assert "votes are no longer counted" in await said(fake, "late")
