"""Where the Slack adapter used to be weak: Socket Mode with the real moderation cog, name caches
that follow renames and user-group changes, and dead response_urls.

Steward is started as ``steward run`` starts it; assertions are on the Web API calls it made.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet

from adapters.slack.blocks import form_from_view, modal
from bot.components import Form, FormField
from bot.events import MemberJoined, MessagePosted
from bot.expiring import Expiring
from bot.refs import ChannelRef
from tests.adapters.slack.conftest import StartSteward, Steward, config_yaml
from tests.adapters.slack.fake_slack import FakeSlack, Workspace, default_workspace
from tests.adapters.slack.test_http import message
from tests.adapters.slack.test_moderation_integration import (
    MODERATION,
    cases_of,
    modlog,
    posted,
    start,
    submission,
)
from tests.adapters.slack.test_oauth import _install as install


def slash(fake: FakeSlack, text: str, *, user: str, hook: str, trigger: str,
          channel: str = "C0GENERAL") -> dict[str, Any]:
    """A slash command payload as Socket Mode carries it."""
    return {"token": "legacy", "team_id": "T0001", "team_domain": "acme", "channel_id": channel,
            "channel_name": "general", "user_id": user, "user_name": "someone", "command": "/steward",
            "text": text, "api_app_id": "A0STEWARD", "is_enterprise_install": "false",
            "response_url": fake.response_url(hook), "trigger_id": trigger}


async def acked(fake: FakeSlack, envelope: str) -> dict[str, Any]:
    """Wait for the app's ack of one envelope."""
    found = await fake.wait_for(lambda: [a for a in fake.socket_acks if a.get("envelope_id") == envelope])
    ack: dict[str, Any] = found[0]
    return ack


# -- 1. the real moderation cog over Socket Mode ----------------------------------------------


async def test_socket_mode_banned_word_is_deleted_with_the_admin_token_and_logged_once(
        start_steward: StartSteward) -> None:
    steward = await start(start_steward, mode="socket", admin=True)
    fake = steward.fake
    payload = json.loads(steward.event_body(message("a badword over the socket", ts="1700010000.000100")))
    first = await fake.socket_send("events_api", payload)
    await acked(fake, first)
    deleted = (await fake.wait_calls("chat.delete"))[0]
    assert (deleted.args["channel"], deleted.args["ts"], deleted.token) == (
        "C0GENERAL", "1700010000.000100", "xoxp-admin")
    log = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #1" in c.args["text"])
    assert log.token == "xoxb-test"
    # Slack re-sends the envelope it thinks was lost: acked again, no second effect
    again = await fake.socket_send("events_api", payload, retry=1)
    await acked(fake, again)
    await fake.wait_for(lambda: steward.adapter.server.dropped >= 1)
    await steward.runtime.idle()
    assert len(fake.of("chat.delete")) == 1 and len(modlog(fake)) == 1
    assert [c.number for c in await cases_of(steward, "U0BOB")] == [1]


async def test_socket_mode_slash_command_is_answered_ephemerally_once(start_steward: StartSteward) -> None:
    steward = await start(start_steward, mode="socket")
    fake = steward.fake
    command = slash(fake, "warn <@U0BOB|bob> spam", user="U0MOD", hook="sock-warn", trigger="9.9.1")
    first = await fake.socket_send("slash_commands", command)
    await acked(fake, first)
    reply = (await fake.wait_calls("response_url"))[0]
    assert (reply.args["hook"], reply.args["response_type"], reply.args["text"]) == (
        "sock-warn", "ephemeral", "Case #1: warn Bob.")
    again = await fake.socket_send("slash_commands", command, retry=1)  # the same command re-sent
    await acked(fake, again)
    await steward.runtime.idle()
    assert len(fake.of("response_url")) == 1 and len(modlog(fake)) == 1
    assert [c.number for c in await cases_of(steward, "U0BOB")] == [1]


# -- 4. name caches ---------------------------------------------------------------------------


async def test_a_member_added_to_the_moderators_group_can_warn_without_a_restart(
        start_steward: StartSteward) -> None:
    steward = await start(start_steward)
    fake = steward.fake
    assert await steward.command("warn <@U0BOB|bob> spam", user="U0ALICE", hook="before") == 200
    refusal = (await fake.wait_calls("response_url"))[0]
    assert refusal.args["text"] == "/steward warn is for moderators; you can't use it here."

    mods = fake.workspaces["T0001"].groups["S0MODS"]
    mods["users"] = [*mods["users"], "U0ALICE"]
    assert await steward.event({"type": "subteam_members_changed", "subteam_id": "S0MODS", "team_id": "T0001",
                                "date_previous_update": 1700000000, "date_update": 1700010000,
                                "added_users": ["U0ALICE"], "added_users_count": "1", "removed_users": [],
                                "removed_users_count": "0", "event_ts": "1700010000.000200"}) == 200
    await steward.runtime.idle()
    assert await steward.command("warn <@U0BOB|bob> spam", user="U0ALICE", hook="after") == 200
    await fake.wait_calls("response_url", 2)
    assert fake.of("response_url")[1].args["text"] == "Case #1: warn Bob."

    # and removed again through subteam_updated (the whole group in the event)
    mods["users"] = ["U0MOD"]
    assert await steward.event({"type": "subteam_updated", "subteam": {**mods, "users": ["U0MOD"],
                                "user_count": 1, "is_usergroup": True}, "event_ts": "1700010000.000300"}) == 200
    await steward.runtime.idle()
    assert await steward.command("warn <@U0BOB|bob> spam", user="U0ALICE", hook="removed") == 200
    await fake.wait_calls("response_url", 3)
    assert fake.of("response_url")[2].args["text"] == "/steward warn is for moderators; you can't use it here."
    assert len(await cases_of(steward, "U0BOB")) == 1


async def test_a_renamed_or_new_channel_is_known_by_its_new_name_at_once(start_steward: StartSteward) -> None:
    steward = await start_steward(extra='join_channels: ["#intros"]')
    fake, directory = steward.fake, steward.adapter.directory
    await steward.event(message("before the rename", ts="1700011000.000100"))
    seen = await steward.wait_seen(lambda e: isinstance(e, MessagePosted) and e.text == "before the rename")
    assert isinstance(seen, MessagePosted) and seen.channel_name == "#general"

    fake.workspaces["T0001"].channels["C0GENERAL"]["name"] = "town-square"
    assert await steward.event({"type": "channel_rename", "channel": {
        "id": "C0GENERAL", "name": "town-square", "created": 1600000000}, "event_ts": "1700011000.000200"}) == 200
    await steward.runtime.idle()
    await steward.event(message("after the rename", ts="1700011000.000300"))
    seen = await steward.wait_seen(lambda e: isinstance(e, MessagePosted) and e.text == "after the rename")
    assert isinstance(seen, MessagePosted) and seen.channel_name == "#town-square"

    # a channel created after start, listed in join_channels: joining it counts as joining
    fake.workspaces["T0001"].channels["C0INTROS"] = {"id": "C0INTROS", "name": "intros", "is_private": False,
                                                    "is_archived": False}
    assert await steward.event({"type": "channel_created", "channel": {
        "id": "C0INTROS", "name": "intros", "created": 1700011000, "creator": "U0ADMIN"},
        "event_ts": "1700011000.000400"}) == 200
    await fake.wait_for(lambda: directory.channel_name("T0001", "C0INTROS") == "#intros")
    assert await steward.event({"type": "member_joined_channel", "user": "U0ALICE", "channel": "C0INTROS",
                                "channel_type": "C", "team": "T0001", "event_ts": "1700011000.000500"}) == 200
    joined = await steward.wait_seen(lambda e: isinstance(e, MemberJoined))
    assert isinstance(joined, MemberJoined) and joined.member.id == "U0ALICE"


# -- 5. a dead response_url -------------------------------------------------------------------


@pytest.mark.parametrize("answer", [(404, "expired_url"), (200, "expired_url"), (500, "")])
async def test_a_dead_response_url_falls_back_to_an_ephemeral_post_in_the_channel(
        start_steward: StartSteward, answer: tuple[int, str]) -> None:
    steward = await start(start_steward)
    fake = steward.fake
    fake.hook_answers["dead"] = answer
    assert await steward.command("warn <@U0BOB|bob> spam", user="U0MOD", hook="dead", channel="C0HELP") == 200
    await fake.wait_calls("response_url")
    ephemeral = (await fake.wait_calls("chat.postEphemeral"))[0]
    assert (ephemeral.args["channel"], ephemeral.args["user"], ephemeral.args["text"]) == (
        "C0HELP", "U0MOD", "Case #1: warn Bob.")
    assert ephemeral.token == "xoxb-test"
    await steward.runtime.idle()
    assert len(fake.of("chat.postEphemeral")) == 1
    assert not [c for c in fake.of("chat.postMessage") if c.args["channel"].startswith("D0MOD")]  # no DM too



# -- 3. bad input on forms --------------------------------------------------------------------


async def submit(steward: Steward, payload: dict[str, Any]) -> dict[str, Any] | None:
    """POST a signed view_submission; the ack's JSON body, or None for an empty ack."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = {**steward.signed(body), "Content-Type": "application/x-www-form-urlencoded"}
    async with steward.session.post(steward.url, data=body, headers=headers) as r:
        assert r.status == 200
        raw = await r.read()
    answer: dict[str, Any] | None = json.loads(raw) if raw.strip() else None
    return answer


async def appeal_view(start_steward: StartSteward) -> tuple[Steward, dict[str, Any]]:
    """Bob broke a rule and typed /appeal: Steward, and the appeal modal it opened."""
    steward = await start(start_steward)
    await steward.event(message("badword here", ts="1700012000.000100"))
    await posted(steward.fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #1" in c.args["text"])
    await steward.command("appeal", user="U0BOB", hook="appeal")
    return steward, (await steward.fake.wait_calls("views.open"))[0].args["view"]


async def test_a_form_that_fails_validation_is_answered_with_field_errors_and_no_handler_runs(
        start_steward: StartSteward) -> None:
    steward, view = await appeal_view(start_steward)
    fake = steward.fake

    # blank (only spaces) and over-long: both fields named in the ack, the modal stays open
    answer = await submit(steward, submission(view, user="U0BOB", values={"why": "   ", "contact": "x" * 301}))
    assert answer is not None and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"why", "contact"}
    assert "required" in answer["errors"]["why"] and "too long" in answer["errors"]["contact"]

    # after a restart the adapter no longer remembers the Form: the view's own blocks say the limits
    steward.adapter.performer.open_forms = Expiring(ttl=60)
    answer = await submit(steward, submission(view, user="U0BOB", values={"why": "y" * 1001, "contact": None}))
    assert answer is not None and answer["errors"] == {
        "why": "Why should this be lifted? is too long (1001 > 1000 characters)."}
    await steward.runtime.idle()
    assert not [c for c in modlog(fake) if "Appeal of case #1" in c.args["text"]]
    [case] = await cases_of(steward, "U0BOB")
    assert case.appeal_state is None or case.appeal_state == "none"

    # the corrected submission of the same view goes through, once
    assert await submit(steward, submission(view, user="U0BOB", values={"why": "a quote", "contact": ""})) is None
    await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Appeal of case #1" in c.args["text"])
    await steward.runtime.idle()
    [case] = await cases_of(steward, "U0BOB")
    assert case.appeal_state == "pending" and case.appeal_text == "a quote"


async def test_a_view_that_lost_its_limits_still_meets_the_core_check(start_steward: StartSteward) -> None:
    steward, view = await appeal_view(start_steward)
    fake = steward.fake
    steward.adapter.performer.open_forms = Expiring(ttl=60)  # a restart: the adapter forgot the Form...
    for block in view["blocks"]:  # ...and the view says no limit for `contact` (the cog's schema says 300)
        (block.get("element") or {}).pop("max_length", None)
    values = {"why": "a quote", "contact": "x" * 301}
    assert await submit(steward, submission(view, user="U0BOB", values=values)) is None  # the fast path let it by
    [refusal] = await fake.wait_for(lambda: [c for c in fake.of("chat.postEphemeral") + fake.of("chat.postMessage")
                                             if "wasn't sent" in str(c.args.get("text"))], within=15)
    assert "Anything else moderators should know? is too long (301 > 300 characters)." in refusal.args["text"]
    await steward.runtime.idle()
    [case] = await cases_of(steward, "U0BOB")
    assert case.appeal_state in (None, "none")  # the handler never ran


async def test_socket_mode_form_errors_go_back_in_the_envelope_ack(start_steward: StartSteward) -> None:
    steward = await start(start_steward, mode="socket")
    fake = steward.fake
    form = Form("moderation:appeal", "Appeal case #9", (FormField("why", "Why?", "paragraph", max_length=10),),
                value="9")
    view = modal(form, {"channel": "C0GENERAL"})
    envelope = await fake.socket_send("interactive", submission(view, user="U0BOB", values={"why": "far too long"}))
    ack = await acked(fake, envelope)
    assert ack["payload"] == {"response_action": "errors",
                              "errors": {"why": "Why? is too long (12 > 10 characters)."}}


def test_a_modal_reads_back_as_the_form_it_was_made_from() -> None:
    form = Form("events:rsvp", "RSVP", (
        FormField("name", "Name", max_length=40),
        FormField("about", "About you", "paragraph", required=False, max_length=500),
        FormField("meal", "Meal", "choice", choices=("veggie", "fish"))), value="42")
    back = form_from_view(modal(form, {}))
    assert back is not None and back.custom_id == form.custom_id
    assert [(f.name, f.kind, f.required, f.max_length if f.kind != "choice" else f.choices) for f in back.fields] == [
        ("name", "short", True, 40), ("about", "paragraph", False, 500), ("meal", "choice", True, ("veggie", "fish"))]
    assert back.validate({"name": "Ann", "meal": "steak"}) == {"meal": "Meal must be one of: veggie, fish."}
    assert form_from_view({"callback_id": "someone-elses-view", "blocks": []}) is None


# -- 2. several workspaces through OAuth ------------------------------------------------------

OAUTH = "oauth: {client_id: '1111.2222', client_secret: oauth-secret}"


def second_workspace() -> Workspace:
    """Workspace B: its own token and channel ids (Slack's channel ids are unique across workspaces)."""
    ws = default_workspace("T0002", token="xoxb-beta")
    ws.name = "Beta"
    ws.channels = {cid.replace("C0", "C2").replace("G0", "G2"): {**c, "id": c["id"].replace("C0", "C2")
                                                                 .replace("G0", "G2")}
                   for cid, c in ws.channels.items()}
    ws.memberships = {u: [c.replace("C0", "C2") for c in cs] for u, cs in ws.memberships.items()}
    return ws


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_a_banned_word_in_workspace_b_is_logged_with_bs_token_never_as(
        start_steward: StartSteward, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_SLACK_KEY", Fernet.generate_key().decode())
    fake.oauth_codes["code-a"] = fake.workspaces["T0001"]
    fake.oauth_codes["code-b"] = second_workspace()
    steward = await start_steward(demo=False, admin=False, team=None, extra=OAUTH, sections=MODERATION)
    await install(steward, "code-a")
    await install(steward, "code-b")
    assert [c.args["code"] for c in fake.of("oauth.v2.access")] == ["code-a", "code-b"]

    # the admin gives each workspace its community and reloads
    text = config_yaml(fake, str(steward.runtime.config.storage.url), admin=False, team="T0001", extra=OAUTH,
                       sections=MODERATION)
    beta = text[text.index("  - name: acme"):].replace("name: acme", "name: beta").replace("T0001", "T0002")
    steward.path.write_text(text + beta, encoding="utf-8")
    assert await steward.runtime.reload() == []
    assert steward.runtime.communities["beta"].channel("modlog", "slack") == ChannelRef("slack", "C2MODLOG")

    assert await steward.event(message("badword in beta", channel="C2GENERAL", ts="1700013000.000100", team="T0002"),
                               team="T0002") == 200
    log = await posted(fake, lambda c: c.args["channel"] == "C2MODLOG" and "Case #1" in c.args["text"])
    assert log.token == "xoxb-beta"
    await steward.runtime.idle()
    in_b = [c for c in fake.calls if c.token and (str(c.args.get("channel", "")).startswith(("C2", "G2")))]
    assert in_b and {c.token for c in in_b} == {"xoxb-beta"}  # nothing in B with A's token
    dm = [c for c in fake.of("conversations.open") if c.args["users"] == "U0BOB"]
    assert [c.token for c in dm] == ["xoxb-beta"]
    assert not [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0MODLOG"]  # A heard nothing

    # and A's own banned word stays in A, with A's token
    assert await steward.event(message("badword in acme", ts="1700013000.000200"), team="T0001") == 200
    log_a = await posted(fake, lambda c: c.args["channel"] == "C0MODLOG" and "Case #1" in c.args["text"])
    assert log_a.token == "xoxb-test"
