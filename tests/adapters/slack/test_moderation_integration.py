"""The real moderation cog on Slack, end to end.

Steward is built from a YAML file with a ``moderation:`` section exactly as ``steward run``
builds it (catalog discovery, no demo cog); the real slack-bolt AsyncApp is served on 127.0.0.1
against the fake Web API, and every request is signed. Assertions are on the Web API calls
Steward made and on the stored cases.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from bot.actions import SendMessage
from bot.content import CommandMention, Content, UserText
from bot.refs import ChannelRef, UserRef
from cogs.moderation import repository as repo
from cogs.moderation.repository import Case
from tests.adapters.slack.conftest import StartSteward, Steward
from tests.adapters.slack.fake_slack import WAIT, Call, FakeSlack
from tests.adapters.slack.test_http import block_action, message

MODERATION = textwrap.dedent("""
    moderation:
      rules:
        - name: banned-words
          words: [casino, badword]
          actions: [delete, {warn: 1}]
        - name: bad-names
          words: [official support]
          targets: [names]
          actions: [kick]
      escalation:
        expire_after: 30d
        thresholds: {3: {timeout: 1h}, 5: kick}
      raid:
        joins: 3
        within: 1m
        action: alert
        channels: ["#general"]
        ends_after: 10m
      wave: {summary_every: 1s}
""")


async def start(start_steward: StartSteward, **kwargs: Any) -> Steward:
    """Steward with the moderation cog as discovered, no demo cog."""
    steward = await start_steward(demo=False, sections=MODERATION, **kwargs)
    assert [c.name for c in steward.runtime.cogs_of("acme")] == ["core", "moderation"]
    return steward


def modlog(fake: FakeSlack) -> list[Call]:
    """Posts in #mod-log."""
    return [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0MODLOG"]


def dms_to(fake: FakeSlack, user: str) -> list[Call]:
    """Posts in the DM channel of a member (the fake names it D + the id without its U)."""
    return [c for c in fake.of("chat.postMessage") if c.args["channel"] == "D" + user[1:]]


def buttons(call: Call) -> dict[str, dict[str, Any]]:
    """The buttons of a recorded post, by label."""
    return {e["text"]["text"]: e for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]}


async def posted(fake: FakeSlack, predicate: Any, within: float = WAIT) -> Call:
    """Wait for a chat.postMessage matching ``predicate``."""
    found = await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if predicate(c)], within)
    call: Call = found[0]
    return call


async def cases_of(steward: Steward, user: str) -> list[Case]:
    """The member's stored cases, oldest first."""
    person = await steward.runtime.members.persons.get("acme", UserRef("slack", user))
    async with steward.runtime.db.session() as session:
        found = await repo.for_member(session, "acme", person)
    return sorted(found, key=lambda c: c.number)


def press(call: Call, label: str, *, user: str, hook: str, fake: FakeSlack) -> dict[str, Any]:
    """A block_actions payload pressing the button ``label`` of a recorded post, as Slack sends it."""
    button = buttons(call)[label]
    payload = block_action(button["action_id"], button["value"], user=user)
    payload["response_url"] = fake.response_url(hook)
    payload["container"] = {"type": "message", "message_ts": "1700000000.000001",
                            "channel_id": call.args["channel"], "is_ephemeral": False}
    payload["channel"] = {"id": call.args["channel"], "name": "mod-log"}
    payload["trigger_id"] = f"trig.press.{hook}"
    return payload


def submission(view: dict[str, Any], *, user: str, values: dict[str, str | None]) -> dict[str, Any]:
    """A view_submission of the modal Steward opened, with these answers."""
    return {
        "type": "view_submission", "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": user, "username": "bob", "name": "bob", "team_id": "T0001"},
        "api_app_id": "A0STEWARD", "token": "legacy", "trigger_id": "1337.99.appeal",
        "view": {"id": "V0APPEAL", "team_id": "T0001", "type": "modal", "callback_id": view["callback_id"],
                 "private_metadata": view["private_metadata"], "hash": "156772938.1827394",
                 "title": view["title"], "blocks": view["blocks"], "app_id": "A0STEWARD", "bot_id": "B0BOT",
                 "state": {"values": {name: {name: {"type": "plain_text_input", "value": value}}
                                      for name, value in values.items()}}},
        "response_urls": [],
    }


# -- a banned word ---------------------------------------------------------------------------


async def test_banned_word_is_deleted_with_the_admin_token_and_logged(start_steward: StartSteward) -> None:
    steward = await start(start_steward, admin=True)
    fake = steward.fake
    assert await steward.event(message("a badword & <!channel> <b>", ts="1700000100.000100")) == 200
    deleted = (await fake.wait_calls("chat.delete"))[0]
    assert (deleted.args["channel"], deleted.args["ts"]) == ("C0GENERAL", "1700000100.000100")
    assert deleted.token == "xoxp-admin"  # a bot token can't delete other members' messages
    log = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG")
    assert log.token == "xoxb-test" and log.args["link_names"] is False
    said = log.args["text"]
    assert "Case #1 · warn (1 pt)" in said and "@Bob" in said and "<@U0BOB>" not in said  # named, not pinged
    assert "a badword &amp; &lt;!channel&gt; &lt;b&gt;" in said  # the member's words, escaped
    assert "<!channel" not in json.dumps(log.args)  # no broadcast anywhere in text or blocks
    assert list(buttons(log)) == ["Undo", "Ban", "Dismiss"]
    await steward.runtime.idle()
    [case] = await cases_of(steward, "U0BOB")
    assert (case.kind, case.points, case.rule, case.state) == ("warn", 1, "banned-words", "active")
    assert (case.channel_id, case.message_id) == ("C0GENERAL", "1700000100.000100")
    assert case.modlog_channel == "C0MODLOG" and case.modlog_message  # where the post is, for later edits
    dm = (await fake.wait_for(lambda: dms_to(fake, "U0BOB")))[0]
    assert "You were warned in acme (case #1)" in dm.args["text"] and "Appeal" in buttons(dm)
    assert "press Appeal or use /steward appeal." in dm.args["text"]  # the command as a Slack member types it
    assert len(modlog(fake)) == 1  # nothing refused, so no "could not" note


async def test_without_the_admin_token_the_author_is_asked_and_the_mod_log_says_so(
        start_steward: StartSteward) -> None:
    steward = await start(start_steward, admin=False)
    fake = steward.fake
    assert "delete" not in steward.adapter.capabilities
    await steward.event(message("visit my casino", ts="1700000110.000100"))
    log = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG")
    await steward.runtime.idle()
    assert fake.of("chat.delete") == []
    said = log.args["text"]
    assert "Case #1 · warn" in said
    assert "slack doesn't let Steward delete messages" in said and "asked to edit or delete" in said
    opened = await fake.wait_calls("conversations.open")
    assert [c.args["users"] for c in opened] == ["U0BOB"]
    [dm] = dms_to(fake, "U0BOB")  # one DM: the warning and the request to remove the message
    assert "You were warned in acme (case #1)" in dm.args["text"]
    assert "Please edit or delete your message in <#C0GENERAL>" in dm.args["text"] and "<#C0GENERAL>" in dm.args["text"]
    # everything said once: no runtime "nothing was done" note on top of the cog's own note
    assert len(modlog(fake)) == 1
    [case] = await cases_of(steward, "U0BOB")
    assert case.note is not None and "delete" in case.note


# -- escalation ------------------------------------------------------------------------------


async def test_escalation_to_a_timeout_slack_cannot_do_takes_the_fallback(start_steward: StartSteward) -> None:
    steward = await start(start_steward, admin=True)
    fake = steward.fake
    for i in range(3):
        await steward.event(message(f"badword number {i}", ts=f"1700001{i}00.000100"))
        await fake.wait_calls("chat.delete", i + 1)
    escalation = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #4" in c.args["text"])
    said = escalation.args["text"]
    assert "Case #4 · timeout for 1h" in said and "reached 3 warning points" in said
    assert "slack can't time members out: Steward deletes their messages until the timeout ends instead" in said
    await steward.runtime.idle()
    kinds = [(c.number, c.kind, c.state) for c in await cases_of(steward, "U0BOB")]
    assert kinds == [(1, "warn", "active"), (2, "warn", "active"), (3, "warn", "active"),
                     (4, "timeout", "active")]
    told = await fake.wait_for(lambda: [c for c in dms_to(fake, "U0BOB") if "case #4" in c.args["text"]])
    assert "You were timed out for 1h" in told[0].args["text"]
    # the fallback is real: the member's next message is removed while the "timeout" runs
    await steward.event(message("just saying hi", ts="1700001900.000100"))
    await fake.wait_calls("chat.delete", 4)
    assert fake.of("chat.delete")[-1].args["ts"] == "1700001900.000100"
    # and a moderator asking for a timeout by hand is told why not, privately
    await steward.command("timeout <@U0BOB|bob> 1h spam", user="U0MOD", hook="timeout")
    reply = (await fake.wait_calls("response_url"))[0]
    assert reply.args["response_type"] == "ephemeral"
    assert reply.args["text"] == "Can't: slack doesn't let Steward timeout members."
    await steward.runtime.idle()
    refused = [c for c in modlog(fake) if "does not let Steward" in c.args["text"]]
    assert refused == []  # the cog took the fallback; the runtime never had to refuse a TimeoutMember


async def test_escalation_without_delete_or_timeout_alerts_moderators(start_steward: StartSteward) -> None:
    steward = await start(start_steward, admin=False)
    fake = steward.fake
    for i in range(3):
        await steward.event(message(f"badword number {i}", ts=f"1700002{i}00.000100"))
    escalation = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #4" in c.args["text"])
    said = escalation.args["text"]
    assert "Case #4 · timeout" in said and "slack can't time members out" in said
    assert "moderators, please" in said and "deletes their messages" not in said  # no promise it can't keep
    await steward.event(message("still here", ts="1700002900.000100"))
    cog = steward.cog("moderation")
    await fake.wait_for(lambda: "1700002900.000100" in cog.recent.get("C0GENERAL", {}))  # remembered by id
    await steward.runtime.idle()
    assert fake.of("chat.delete") == []
    assert [c for c in modlog(fake) if "does not let Steward" in c.args["text"]] == []


# -- slash commands --------------------------------------------------------------------------


async def test_warn_from_a_moderator_is_a_case_and_from_a_member_a_refusal(start_steward: StartSteward) -> None:
    steward = await start(start_steward)
    fake = steward.fake
    assert await steward.command("warn <@U0BOB|bob> spam", user="U0MOD", hook="mod") == 200
    reply = (await fake.wait_calls("response_url"))[0]
    assert (reply.args["hook"], reply.args["response_type"]) == ("mod", "ephemeral")
    assert reply.args["text"] == "Case #1: warn Bob."
    await steward.runtime.idle()
    [case] = await cases_of(steward, "U0BOB")
    assert (case.kind, case.points, case.reason, case.actor_id, case.actor_name) == (
        "warn", 1, "spam", "U0MOD", "Mona")
    log = modlog(fake)
    assert len(log) == 1 and "Case #1 · warn (1 pt) · @Bob · by Mona" in log[0].args["text"]

    assert await steward.command("warn <@U0BOB|bob> spam", user="U0ALICE", hook="member") == 200
    await fake.wait_calls("response_url", 2)
    refusal = fake.of("response_url")[1]
    assert (refusal.args["hook"], refusal.args["response_type"]) == ("member", "ephemeral")
    assert refusal.args["text"] == "/steward warn is for moderators; you can't use it here."  # as Slack spells it
    await steward.runtime.idle()
    assert len(await cases_of(steward, "U0BOB")) == 1 and len(modlog(fake)) == 1


# -- joins -----------------------------------------------------------------------------------


def _joiner(fake: FakeSlack, uid: str, display: str) -> dict[str, Any]:
    user = {"id": uid, "team_id": "T0001", "name": uid.lower(), "deleted": False, "is_bot": False,
            "is_admin": False, "is_owner": False, "is_primary_owner": False,
            "profile": {"display_name": display, "real_name": display}}
    fake.workspaces["T0001"].users[uid] = user  # Slack knows the member once they joined
    fake.workspaces["T0001"].memberships[uid] = ["C0WELCOME"]
    return user


async def test_team_join_reaches_the_name_check_and_the_raid_counter(start_steward: StartSteward) -> None:
    steward = await start(start_steward)
    fake = steward.fake
    cog = steward.cog("moderation")
    impostor = _joiner(fake, "U0FAKE1", "Official Support")
    assert await steward.event({"type": "team_join", "user": impostor, "event_ts": "1700003000.000100"}) == 200
    kicked = (await fake.wait_calls("conversations.kick"))[0]
    assert kicked.args == {"channel": "C0WELCOME", "user": "U0FAKE1"}
    log = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "kick" in c.args["text"])
    assert "Case #1 · kick" in log.args["text"] and "Official Support" in log.args["text"]
    await steward.runtime.idle()
    assert [c.kind for c in await cases_of(steward, "U0FAKE1")] == ["kick"]
    assert len(cog.raid.joins) == 1 and not cog.raid.active

    for n, uid in enumerate(("U0NEW2", "U0NEW3"), start=1):
        await steward.event({"type": "team_join", "user": _joiner(fake, uid, f"Newcomer {n}"),
                             "event_ts": f"170000300{n}.000100"})
    raid = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Raid mode ON" in c.args["text"])
    assert "3 joins in 1m" in raid.args["text"]
    assert "<!subteam^S0MODS>" in raid.args["text"]  # the one deliberate ping: the moderators' user group
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "🚨 Raid: 1 joiner(s)" in c.args["text"])
    await steward.runtime.idle()
    assert cog.raid.active and len(cog.raid.joins) == 3


# -- mod-log buttons -------------------------------------------------------------------------


async def test_undo_on_the_mod_log_post_revokes_the_case(start_steward: StartSteward) -> None:
    steward = await start(start_steward)
    fake = steward.fake
    await steward.event(message("badword here", ts="1700004000.000100"))
    log = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #1" in c.args["text"])
    undo = buttons(log)["Undo"]
    [case] = await cases_of(steward, "U0BOB")
    assert undo["value"] == str(case.id) and undo["action_id"] == f"st1|moderation:undo|{case.id}"

    # a member can't use it
    assert await steward.interact(press(log, "Undo", user="U0ALICE", hook="member", fake=fake)) == 200
    refusal = (await fake.wait_calls("response_url"))[0]
    assert refusal.args["text"] == "That button is for moderators; you can't use it here."

    assert await steward.interact(press(log, "Undo", user="U0MOD", hook="undo", fake=fake)) == 200
    await fake.wait_calls("response_url", 2)
    reply = fake.of("response_url")[1]
    assert (reply.args["hook"], reply.args["response_type"], reply.args["text"]) == (
        "undo", "ephemeral", "Case #1 undone.")
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #1 undone by @Mona" in c.args["text"])
    await steward.runtime.idle()
    [case] = await cases_of(steward, "U0BOB")
    assert case.state == "revoked" and case.ended_by == "Mona"


# -- appeals ---------------------------------------------------------------------------------


async def test_appeal_form_submission_and_approval(db_url: str, start_steward: StartSteward) -> None:
    # db_url first: fixtures tear down in reverse, so Steward stops before its database is dropped
    steward = await start(start_steward, db=db_url)  # on SQLite and PostgreSQL, Slack's tables included
    fake = steward.fake
    await steward.event(message("badword here", ts="1700005000.000100"))
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #1" in c.args["text"])
    dm = (await fake.wait_for(lambda: dms_to(fake, "U0BOB")))[0]
    [case] = await cases_of(steward, "U0BOB")

    # the DM's Appeal button opens the form ...
    button = buttons(dm)["Appeal"]
    assert button["action_id"] == f"st1|moderation:appeal|{case.id}"
    pressed = press(dm, "Appeal", user="U0BOB", hook="dm-appeal", fake=fake)
    assert await steward.interact(pressed) == 200
    by_button = (await fake.wait_calls("views.open"))[0]
    assert by_button.args["trigger_id"] == pressed["trigger_id"]
    # ... and so does /steward appeal, in the channel the member typed it in
    assert await steward.command("appeal", user="U0BOB", hook="appeal") == 200
    await fake.wait_calls("views.open", 2)
    opened = fake.of("views.open")[1]
    view = opened.args["view"]
    assert opened.args["trigger_id"].startswith("trig.") and view["type"] == "modal"
    assert view["callback_id"] == f"st1|moderation:appeal|{case.id}" == by_button.args["view"]["callback_id"]
    assert view["title"]["text"] == "Appeal case #1"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["why", "contact"]

    assert await steward.interact(submission(view, user="U0BOB", values={
        "why": "It was a quote: <badword> & more", "contact": None})) == 200
    appeal = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Appeal of case #1" in c.args["text"])
    assert "It was a quote: &lt;badword&gt; &amp; more" in appeal.args["text"]
    assert list(buttons(appeal)) == ["Approve", "Deny"]
    thanks = (await fake.wait_calls("chat.postEphemeral"))[0]
    assert (thanks.args["channel"], thanks.args["user"]) == ("C0GENERAL", "U0BOB")
    assert "Your appeal of case #1 was sent to the moderators" in thanks.args["text"]
    await steward.runtime.idle()
    [case] = await cases_of(steward, "U0BOB")
    assert case.appeal_state == "pending" and case.appeal_text == "It was a quote: <badword> & more"

    opens_before = len(fake.of("conversations.open"))
    assert await steward.interact(press(appeal, "Approve", user="U0MOD", hook="approve", fake=fake)) == 200
    outcome = await fake.wait_for(lambda: [c for c in dms_to(fake, "U0BOB") if "Your appeal" in c.args["text"]])
    assert outcome[0].args["text"] == "Your appeal of case #1 in acme was approved: the case is revoked."
    assert [c.args["users"] for c in fake.of("conversations.open")[opens_before:]] == ["U0BOB"]
    decided = await fake.wait_for(lambda: [c for c in fake.of("response_url") if c.args["hook"] == "approve"])
    assert decided[0].args["text"] == "Appeal of case #1 approved."
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "approved: the case is revoked by @Mona"
                 in c.args["text"])
    await steward.runtime.idle()
    [case] = await cases_of(steward, "U0BOB")
    assert (case.state, case.appeal_state, case.appeal_by) == ("revoked", "approved", "Mona")


# -- retries ---------------------------------------------------------------------------------


async def test_one_banned_word_delivered_four_times_has_one_effect(start_steward: StartSteward) -> None:
    steward = await start(start_steward)
    fake = steward.fake
    event = message("badword, delivered again and again", ts="1700006000.000100")
    statuses = [await steward.event(event, event_id="Ev0MODRETRY")]
    statuses += [await steward.event(event, event_id="Ev0MODRETRY",
                                     headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
                 for n in (1, 2)]
    statuses.append(await steward.event(event, event_id="Ev0MODOTHER"))  # redelivered under a new event id
    assert statuses == [200, 200, 200, 200]
    await fake.wait_calls("chat.delete")
    await fake.wait_for(lambda: steward.adapter.server.dropped >= 3)
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG")
    await steward.runtime.idle()
    assert len(fake.of("chat.delete")) == 1
    assert len(modlog(fake)) == 1
    assert [c.number for c in await cases_of(steward, "U0BOB")] == [1]


async def test_commands_in_stewards_text_are_spelled_the_slack_way(start_steward: StartSteward) -> None:
    steward = await start_steward()
    content = Content(("Use ", CommandMention("appeal"), " or ", CommandMention("raid", "off"), "; not /warn in "
                       "prose, not ", UserText("/warn from a member")))
    assert (await steward.adapter.perform(SendMessage(channel=ChannelRef("slack", "C0GENERAL"), content=content))).ok
    [post] = await steward.fake.wait_calls("chat.postMessage")
    assert post.args["text"] == ("Use /steward appeal or /steward raid off; not /warn in prose, "
                                 "not /warn from a member")  # only mentions are spelled; text is never rewritten


# -- a spam wave -------------------------------------------------------------------------------

WAVE = MODERATION.replace("thresholds: {3: {timeout: 1h}, 5: kick}", "thresholds: {}").replace(
    "wave: {summary_every: 1s}", "wave: {cases: 4, within: 1m, summary_every: 1s}")


async def test_a_wave_is_deleted_one_by_one_and_summarised_once(start_steward: StartSteward) -> None:
    # Slack has no bulk delete: the documented fallback deletes each message with the admin token
    steward = await start_steward(demo=False, sections=WAVE, admin=True)
    fake = steward.fake
    sent = []
    for i in range(12):
        ts = f"17000031{i:02d}.000100"
        sent.append(ts)
        assert await steward.event(message(f"casino {i}", user=("U0BOB", "U0ALICE")[i % 2], ts=ts)) == 200
    deletes = await fake.wait_for(lambda: fake.of("chat.delete") if len(fake.of("chat.delete")) >= 12 else None)
    assert sorted(c.args["ts"] for c in deletes) == sorted(sent)
    assert {c.token for c in deletes} == {"xoxp-admin"}
    summary = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Spam wave" in c.args["text"])
    assert summary.args["link_names"] is False
    assert {"Ban these 2", "Undo these cases"} <= set(buttons(summary))
    await steward.runtime.idle()
    assert len(modlog(fake)) < 12  # not one post per case
    # one DM per member during the wave, however often they were hit
    assert len(dms_to(fake, "U0BOB")) <= 3 and len(dms_to(fake, "U0ALICE")) <= 3
