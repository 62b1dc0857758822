"""The real slack-bolt AsyncApp served over HTTP on 127.0.0.1, Steward started as `steward run` does."""

from __future__ import annotations

import json

from bot.actions import AddReaction, EditMessage, SendDirect, SendMessage
from bot.content import text
from bot.events import (
    AccountDeleted,
    ButtonPressed,
    CommandInvoked,
    FormCancelled,
    FormSubmitted,
    MemberJoined,
    MessageEdited,
    ReactionAdded,
)
from bot.refs import MessageRef, UserRef
from tests.adapters.slack import democog
from tests.adapters.slack.conftest import StartSteward


def message(text: str, *, user: str = "U0BOB", channel: str = "C0GENERAL", ts: str = "1700000100.000100",
            **extra: object) -> dict[str, object]:
    """A message event as Slack sends it."""
    return {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel, "channel_type": "channel",
            "event_ts": ts, "team": "T0001", **extra}


async def test_banned_word_is_deleted_with_the_admin_token_and_logged(start_steward: StartSteward) -> None:
    steward = await start_steward(admin=True)
    fake = steward.fake
    assert await steward.event(message("this has a badword & <stuff>")) == 200
    deleted = (await fake.wait_calls("chat.delete"))[0]
    assert deleted.args["channel"] == "C0GENERAL" and deleted.args["ts"] == "1700000100.000100"
    assert deleted.token == "xoxp-admin"  # the admin's user token: a bot token can't delete others' posts
    post = (await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage")
                                         if c.args["channel"] == "C0MODLOG"]))[0]
    assert post.token == "xoxb-test"
    assert "badword &amp; &lt;stuff&gt;" in post.args["text"]  # member text escaped
    assert "<#C0GENERAL>" in post.args["text"] and "@Bob" in post.args["text"]  # no ping for the author
    buttons = [e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["st1|demo:undo|U0BOB", "st1|demo:appeal|U0BOB"]


async def test_without_an_admin_token_the_fallback_is_taken(start_steward: StartSteward) -> None:
    steward = await start_steward(admin=False)
    fake = steward.fake
    assert "delete" not in steward.adapter.capabilities
    await steward.event(message("badword again"))
    dm = (await fake.wait_calls("conversations.open"))[0]
    assert dm.args["users"] == "U0BOB"
    await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if c.args["channel"] == "D0BOB"])
    log = await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0MODLOG"])
    assert "Could not delete" in log[0].args["text"]
    assert fake.of("chat.delete") == []


async def test_slash_command_gets_an_ephemeral_reply(start_steward: StartSteward) -> None:
    steward = await start_steward()
    fake = steward.fake
    democog.GATE.clear()  # the handler cannot finish: the 200 must come before the work (Slack's 3 s rule)
    try:
        assert await steward.command("ping <b>hi</b> & bye") == 200
        assert fake.of("response_url") == []
    finally:
        democog.GATE.set()
    reply = (await fake.wait_calls("response_url"))[0]
    assert reply.args["response_type"] == "ephemeral"
    assert reply.args["text"] == "pong &lt;b&gt;hi&lt;/b&gt; &amp; bye"
    event = await steward.wait_seen(lambda e: isinstance(e, CommandInvoked))
    assert isinstance(event, CommandInvoked) and event.command == "ping" and event.scope == "T0001"


async def test_bare_slash_command_is_help(start_steward: StartSteward) -> None:
    steward = await start_steward()
    await steward.command("")
    reply = (await steward.fake.wait_calls("response_url"))[0]
    assert "Commands you can use" in reply.args["text"] and "/steward ping" in reply.args["text"]


async def test_moderator_command_resolves_a_mention(start_steward: StartSteward) -> None:
    steward = await start_steward()
    await steward.command("warn <@U0BOB|bob> spamming links", user="U0MOD")
    reply = (await steward.fake.wait_calls("response_url"))[0]
    assert reply.args["text"] == "warned @U0BOB for spamming links"
    await steward.command("warn @alice too loud", user="U0MOD", hook="second")
    await steward.fake.wait_calls("response_url", 2)
    assert steward.fake.of("response_url")[1].args["text"] == "warned @U0ALICE for too loud"
    await steward.command("warn @bob", user="U0ALICE", hook="third")  # a member is not a moderator
    await steward.fake.wait_calls("response_url", 3)
    assert "is for moderators" in steward.fake.of("response_url")[2].args["text"]


async def test_team_join_becomes_member_joined(start_steward: StartSteward) -> None:
    steward = await start_steward()
    user = {"id": "U0NEW", "team_id": "T0001", "name": "newbie", "is_bot": False,
            "profile": {"display_name": "Newbie", "real_name": "New Person"}}
    await steward.event({"type": "team_join", "user": user, "event_ts": "1700000200.000100"})
    joined = await steward.wait_seen(lambda e: isinstance(e, MemberJoined))
    assert isinstance(joined, MemberJoined)
    assert joined.member.id == "U0NEW" and joined.name == "newbie" and joined.display_name == "Newbie"
    assert joined.scope == "T0001" and joined.community == "acme"


async def test_a_deleted_account_becomes_account_deleted_once(start_steward: StartSteward) -> None:
    steward = await start_steward()
    user = {"id": "U0GONE", "team_id": "T0001", "name": "gone", "deleted": True, "profile": {}}
    change = {"type": "user_change", "user": user, "event_ts": "1700000300.000100"}
    await steward.event({**change, "user": {**user, "deleted": False}})  # a profile edit is not a deletion
    await steward.event(change)
    await steward.event(change)  # redelivered under another event id
    gone = await steward.wait_seen(lambda e: isinstance(e, AccountDeleted))
    assert isinstance(gone, AccountDeleted) and gone.member.id == "U0GONE" and gone.community == "acme"
    await steward.runtime.idle()
    assert sum(isinstance(e, AccountDeleted) for e in steward.demo().seen) == 1


def block_action(action_id: str, value: str, *, user: str = "U0MOD") -> dict[str, object]:
    """A realistic block_actions payload from a button on a message in #mod-log."""
    return {
        "type": "block_actions", "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": user, "username": "mona", "name": "mona", "team_id": "T0001"},
        "api_app_id": "A0STEWARD", "token": "legacy", "trigger_id": "1337.42.abcdef",
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C0MODLOG",
                      "is_ephemeral": False},
        "channel": {"id": "C0MODLOG", "name": "mod-log"},
        "message": {"type": "message", "ts": "1700000000.000001", "text": "log", "bot_id": "B0BOT"},
        "response_url": "http://127.0.0.1:1/unused",
        "actions": [{"action_id": action_id, "block_id": "b1", "text": {"type": "plain_text", "text": "Undo"},
                     "value": value, "type": "button", "action_ts": "1700000300.000100"}],
    }


async def test_undo_button_reaches_its_handler(start_steward: StartSteward, ) -> None:
    steward = await start_steward()
    payload = block_action("st1|demo:undo|U0BOB", "U0BOB")
    payload["response_url"] = steward.fake.response_url("undo")
    assert await steward.interact(payload) == 200
    pressed = await steward.wait_seen(lambda e: isinstance(e, ButtonPressed))
    assert isinstance(pressed, ButtonPressed)
    assert (pressed.action, pressed.value, pressed.user.id) == ("demo:undo", "U0BOB", "U0MOD")
    assert pressed.origin.message is not None and pressed.origin.message.channel_id == "C0MODLOG"
    reply = (await steward.fake.wait_calls("response_url"))[0]
    assert reply.args["text"] == "Undone for U0BOB." and reply.args["response_type"] == "ephemeral"


async def test_appeal_button_opens_the_form_and_the_submission_reaches_its_handler(
        start_steward: StartSteward) -> None:
    steward = await start_steward()
    fake = steward.fake
    await steward.interact(block_action("st1|demo:appeal|U0BOB", "U0BOB", user="U0BOB"))
    opened = (await fake.wait_calls("views.open"))[0]
    assert opened.args["trigger_id"] == "1337.42.abcdef"
    view = opened.args["view"]
    assert view["type"] == "modal" and view["callback_id"] == "st1|demo:appeal|"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["reason", "contact"]
    submission = {
        "type": "view_submission", "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": "U0BOB", "username": "bob", "name": "bob", "team_id": "T0001"},
        "api_app_id": "A0STEWARD", "token": "legacy", "trigger_id": "1337.43.abcdef",
        "view": {"id": "V0VIEW", "team_id": "T0001", "type": "modal", "callback_id": view["callback_id"],
                 "private_metadata": view["private_metadata"], "hash": "156772938.1827394",
                 "title": view["title"], "blocks": view["blocks"], "app_id": "A0STEWARD", "bot_id": "B0BOT",
                 "state": {"values": {
                     "reason": {"reason": {"type": "plain_text_input", "value": "It was a <quote>"}},
                     "contact": {"contact": {"type": "plain_text_input", "value": None}}}}},
        "response_urls": [],
    }
    assert await steward.interact(submission) == 200
    sent = await steward.wait_seen(lambda e: isinstance(e, FormSubmitted))
    assert isinstance(sent, FormSubmitted)
    assert sent.action == "demo:appeal" and sent.fields == {"reason": "It was a <quote>", "contact": ""}
    assert sent.origin.channel is not None and sent.origin.channel.id == "C0MODLOG"
    thanks = (await fake.wait_calls("chat.postEphemeral"))[0]
    assert thanks.args["user"] == "U0BOB" and thanks.args["channel"] == "C0MODLOG"
    log = await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if "Appeal from" in c.args["text"]])
    assert "It was a &lt;quote&gt;" in log[0].args["text"]


async def test_reactions_and_edits_reach_the_core(start_steward: StartSteward) -> None:
    steward = await start_steward()
    await steward.event({"type": "reaction_added", "user": "U0ALICE", "reaction": "tada",
                         "item": {"type": "message", "channel": "C0GENERAL", "ts": "1700000100.000100"},
                         "item_user": "U0BOB", "event_ts": "1700000400.000100"})
    reacted = await steward.wait_seen(lambda e: isinstance(e, ReactionAdded))
    assert isinstance(reacted, ReactionAdded) and reacted.emoji == "tada"
    await steward.event({"type": "message", "subtype": "message_changed", "channel": "C0GENERAL",
                         "ts": "1700000500.000100", "event_ts": "1700000500.000100", "hidden": True,
                         "message": {"type": "message", "user": "U0BOB", "text": "now a badword",
                                     "ts": "1700000100.000100", "edited": {"user": "U0BOB", "ts": "1700000500.0"}},
                         "previous_message": {"type": "message", "user": "U0BOB", "text": "fine",
                                              "ts": "1700000100.000100"}})
    edited = await steward.wait_seen(lambda e: isinstance(e, MessageEdited))
    assert isinstance(edited, MessageEdited) and edited.before == "fine"
    deleted = (await steward.fake.wait_calls("chat.delete"))[0]
    assert deleted.args["ts"] == "1700000100.000100"


async def test_app_home_shows_the_members_sections(start_steward: StartSteward) -> None:
    steward = await start_steward()
    await steward.event({"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home",
                         "event_ts": "1700000600.000100"})
    published = (await steward.fake.wait_calls("views.publish"))
    assert len(published) == 1  # one publish with every cog's section, not one per section
    call = published[0]
    assert call.args["user_id"] == "U0ALICE" and call.args["view"]["type"] == "home"
    texts = [b["text"]["text"] for b in call.args["view"]["blocks"] if b["type"] == "section"]
    assert texts[0::2] == ["*Your events*", "*Your feedback*", "*Onboarding checklist*"]


async def test_closing_the_form_is_a_cancellation(start_steward: StartSteward) -> None:
    steward = await start_steward()
    await steward.interact({
        "type": "view_closed", "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": "U0BOB", "username": "bob", "name": "bob", "team_id": "T0001"},
        "api_app_id": "A0STEWARD", "token": "legacy", "is_cleared": False,
        "view": {"id": "V0VIEW", "team_id": "T0001", "type": "modal", "callback_id": "st1|demo:appeal|",
                 "private_metadata": '{"channel": "C0MODLOG"}', "hash": "1.2", "blocks": [],
                 "title": {"type": "plain_text", "text": "Appeal"}, "state": {"values": {}}}})
    closed = await steward.wait_seen(lambda e: isinstance(e, FormCancelled))
    assert isinstance(closed, FormCancelled) and closed.action == "demo:appeal" and closed.origin.user.id == "U0BOB"


async def test_url_verification_is_answered(start_steward: StartSteward) -> None:
    steward = await start_steward()
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    async with steward.session.post(steward.url, data=body, headers={
            **steward.signed(body), "Content-Type": "application/json"}) as r:
        assert r.status == 200
        assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in await r.text()


async def test_threads_edits_reactions_and_closed_dms(start_steward: StartSteward) -> None:
    steward = await start_steward()
    adapter, fake = steward.adapter, steward.fake
    parent = MessageRef("slack", "C0HELP", "1700000000.000777")
    sent = await adapter.perform(SendMessage(channel=parent.channel, content=text("in thread"), reply_to=parent))
    assert sent.ok and fake.of("chat.postMessage")[-1].args["thread_ts"] == parent.id
    assert sent.message is not None
    assert (await adapter.perform(EditMessage(message=sent.message, content=text("edited")))).ok
    assert fake.of("chat.update")[-1].args["ts"] == sent.message.id
    assert (await adapter.perform(AddReaction(message=parent, emoji="👍"))).ok
    assert fake.of("reactions.add")[-1].args["name"] == "+1"
    closed = await adapter.perform(SendDirect(user=UserRef("slack", "UBOT"), scope="T0001", content=text("hi")))
    assert not closed.ok and closed.code == "dm_closed"


async def test_stewards_own_edited_post_is_not_treated_as_a_member_message(start_steward: StartSteward) -> None:
    steward = await start_steward()
    own = {"type": "message", "user": "UBOT", "bot_id": "B0BOT", "ts": "1700000000.000001"}
    await steward.event({"type": "message", "subtype": "message_changed", "channel": "C0MODLOG",
                         "ts": "1700000950.000100", "event_ts": "1700000950.000100", "hidden": True,
                         "message": {**own, "text": "Deleted a message by @Bob: badword (undone)"},
                         "previous_message": {**own, "text": "Deleted a message by @Bob: badword"}})
    await steward.event(message("a harmless line after it", ts="1700000960.000100"))
    await steward.wait_seen(lambda e: getattr(e, "text", "") == "a harmless line after it")
    await steward.runtime.idle()
    assert steward.fake.of("chat.delete") == []
    assert not any(isinstance(e, MessageEdited) for e in steward.demo().seen)
