"""Signatures, retries and redeliveries, 429s and pacing, names."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable

import pytest

from bot.actions import KickMember, SendMessage
from bot.content import Content, Mention, UserText, text
from bot.errors import StartupError
from bot.refs import ChannelRef, RoleRef, UserRef
from tests.adapters.slack.conftest import StartSteward, Steward
from tests.adapters.slack.test_http import message


def _bad_requests(steward: Steward) -> dict[str, Callable[[], tuple[bytes, dict[str, str]]]]:
    """Each bad request is built right before it is sent, so its timestamp is exactly as old as named."""
    body = steward.event_body(message("badword in a forged request"))
    non_utf8 = body.replace(b"forged", "f\xf6rged".encode("latin-1"))

    def good() -> dict[str, str]:
        return steward.signed(body)

    return {
        "forged": lambda: (body, steward.signed(body, secret="not-the-secret")),
        "stale": lambda: (body, steward.signed(body, ts=str(math.floor(time.time()) - 301))),
        "future": lambda: (body, steward.signed(body, ts=str(math.ceil(time.time()) + 301))),
        "timestamp-not-a-number": lambda: (body, {**good(), "X-Slack-Request-Timestamp": "12e9"}),
        "timestamp-empty": lambda: (body, {**good(), "X-Slack-Request-Timestamp": ""}),
        "signature-missing": lambda: (body, {"X-Slack-Request-Timestamp": str(int(time.time()))}),
        "signature-not-ascii": lambda: (body, {**good(), "X-Slack-Signature": "v0=" + "é" * 64}),
        "non-utf8-body": lambda: (non_utf8, steward.signed(non_utf8)),
        "body-changed": lambda: (body.replace(b"forged", b"FORGED"), good()),
    }


async def test_forged_stale_malformed_and_non_utf8_requests_are_401(start_steward: StartSteward) -> None:
    steward = await start_steward()
    for name, build in _bad_requests(steward).items():
        body, headers = build()
        raw = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}  # send non-ASCII as bytes
        r = await steward.send_raw(body, raw, "application/json")
        assert r.status == 401, name
    await asyncio.sleep(0.2)  # give a wrongly accepted request the time to reach a handler
    assert steward.demo().seen == []
    assert [c.method for c in steward.fake.calls if c.method not in ("auth.test", "conversations.list",
                                                                      "usergroups.list")] == []
    # the same request, signed properly, does get through
    body = steward.event_body(message("hello"))
    assert (await steward.send_raw(body, steward.signed(body), "application/json")).status == 200
    await steward.wait_seen(lambda e: True)


async def test_one_event_delivered_four_times_has_one_effect(start_steward: StartSteward) -> None:
    steward = await start_steward()
    event = message("badword, delivered again and again", ts="1700000700.000100")
    first = await steward.event(event, event_id="Ev0RETRY")
    retries = [await steward.event(event, event_id="Ev0RETRY",
                                   headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
               for n in (1, 2)]
    redelivered = await steward.event(event, event_id="Ev0OTHERID")  # same channel and ts, new event id
    assert [first, *retries, redelivered] == [200, 200, 200, 200]  # acknowledged, so Slack stops retrying
    await steward.fake.wait_calls("chat.delete")
    await steward.fake.wait_for(lambda: steward.adapter.server.dropped >= 3)
    await steward.runtime.idle()
    assert len(steward.fake.of("chat.delete")) == 1
    assert len([c for c in steward.fake.of("chat.postMessage") if c.args["channel"] == "C0MODLOG"]) == 1
    assert len([e for e in steward.demo().seen if getattr(e, "text", "").startswith("badword")]) == 1


async def test_rate_limited_calls_are_retried_after_retry_after(start_steward: StartSteward) -> None:
    steward = await start_steward()
    steward.fake.fail_next("chat.postMessage", status=429, retry_after=0, times=2)
    result = await steward.adapter.perform(SendMessage(channel=ChannelRef("slack", "C0HELP"), content=text("hi")))
    assert result.ok, result.error
    assert result.message is not None and result.message.channel_id == "C0HELP"
    assert len(steward.fake.of("chat.postMessage")) == 3


async def test_posts_are_paced_per_channel(start_steward: StartSteward, monkeypatch: pytest.MonkeyPatch) -> None:
    steward = await start_steward()
    pacer = steward.adapter.performer.pacer
    pacer.interval = 0.2
    pacer.clock = lambda: 100.0  # a frozen clock: the delays asked for are exact, not timed
    delays: list[tuple[str, float]] = []
    real_sleep = asyncio.sleep

    async def record(delay: float) -> None:
        delays.append(("sleep", round(delay, 3)))
        await real_sleep(0)

    monkeypatch.setattr("adapters.slack.perform.asyncio.sleep", record)
    results = await asyncio.gather(*(
        steward.adapter.perform(SendMessage(channel=ChannelRef("slack", c), content=text(str(i))))
        for i, c in enumerate(["C0HELP", "C0HELP", "C0HELP", "C0WELCOME"])))
    assert all(r.ok for r in results)
    # the first post in each channel goes at once; the 2nd and 3rd in #help wait one and two slots
    assert sorted(d for _, d in delays) == [0.2, 0.4]
    sent = [x.args["text"] for x in steward.fake.of("chat.postMessage") if x.args["channel"] == "C0HELP"]
    assert sent == ["0", "1", "2"]


async def test_output_is_escaped_and_never_broadcasts(start_steward: StartSteward) -> None:
    steward = await start_steward()
    content = Content(("Trusted <!here> and <!channel|channel> ", UserText("<!everyone> & <@U0ALICE>"), " ",
                       Mention(UserRef("slack", "U0ALICE"), "alice"), " ", Mention(UserRef("slack", "U0BOB"), "bob"),
                       " ", Mention(RoleRef("slack", "S0MODS"), "Moderators")),
                      ping=(UserRef("slack", "U0BOB"),))
    await steward.adapter.perform(SendMessage(channel=ChannelRef("slack", "C0HELP"), content=content))
    call = steward.fake.of("chat.postMessage")[-1]
    sent = json.dumps(call.args)
    for broadcast in ("<!here", "<!channel", "<!everyone"):
        assert broadcast not in sent
    assert "&lt;!everyone&gt; &amp; &lt;@U0ALICE&gt;" in call.args["text"]
    assert "@alice" in call.args["text"] and "<@U0ALICE>" not in call.args["text"]  # not in ping: no ping
    assert "<@U0BOB>" in call.args["text"] and "@Moderators" in call.args["text"]
    assert call.args["link_names"] is False
    assert all(b["text"].get("verbatim") for b in call.args["blocks"] if b["type"] == "section")


async def test_names_resolve_to_ids(start_steward: StartSteward) -> None:
    steward = await start_steward(channels={"modlog": "#mod-log", "staff": "#staff"})
    community = steward.runtime.communities["acme"]
    assert community.channel("modlog", "slack") == ChannelRef("slack", "C0MODLOG")
    assert community.channel("staff", "slack") == ChannelRef("slack", "G0STAFF")  # private, on page 2
    assert community.roles_for("moderator", "slack") == {RoleRef("slack", "S0MODS")}
    adapter = steward.adapter
    assert await adapter.resolve_channel("T0001", "<#C0HELP|help>") == ChannelRef("slack", "C0HELP")
    assert await adapter.resolve_role("T0001", "<!subteam^S0ADMINS|@admins>") == RoleRef("slack", "S0ADMINS")
    assert await adapter.resolve_role("T0001", "@mods") == RoleRef("slack", "S0MODS")
    assert await adapter.resolve_member("T0001", "<@U0BOB|bob>") == UserRef("slack", "U0BOB")
    assert await adapter.resolve_member("T0001", "@Alice") == UserRef("slack", "U0ALICE")
    assert await adapter.resolve_member("T0001", "@nobody") is None


async def test_a_missing_channel_or_group_is_a_clear_start_error(start_steward: StartSteward) -> None:
    with pytest.raises(StartupError) as caught:
        await start_steward(channels={"modlog": "#mod-log", "events": "#no-such-channel"})
    assert "no channel #no-such-channel" in str(caught.value) and "T0001" in str(caught.value)


async def test_members_carry_workspace_flags_groups_and_rank(start_steward: StartSteward) -> None:
    steward = await start_steward()
    adapter = steward.adapter
    owner = await adapter.member("T0001", UserRef("slack", "U0OWNER"))
    admin = await adapter.member("T0001", UserRef("slack", "U0ADMIN"))
    mod = await adapter.member("T0001", UserRef("slack", "U0MOD"))
    bob = await adapter.member("T0001", UserRef("slack", "U0BOB"))
    assert owner is not None and owner.is_owner and owner.rank == 3
    assert admin is not None and admin.is_admin and admin.rank == 2
    assert admin.roles == frozenset({RoleRef("slack", "S0ADMINS")})  # from usergroups.users.list
    assert mod is not None and mod.roles == frozenset({RoleRef("slack", "S0MODS")}) and mod.rank == 1
    assert bob is not None and bob.rank == 0 and bob.display_name == "Bob"
    assert await adapter.member("T0001", UserRef("slack", "U0GHOST")) is None
    me = await adapter.bot_member("T0001")
    assert me is not None and me.user == UserRef("slack", "UBOT") and me.is_bot
    assert steward.fake.of("usergroups.users.list")


async def test_kick_removes_from_the_channels_steward_shares(start_steward: StartSteward) -> None:
    steward = await start_steward()
    result = await steward.adapter.perform(KickMember(scope="T0001", user=UserRef("slack", "U0BOB")))
    assert result.ok
    assert [c.args["channel"] for c in steward.fake.of("conversations.kick")] == ["C0GENERAL", "C0HELP"]
    result = await steward.adapter.perform(KickMember(scope="T0001", user=UserRef("slack", "U0ALICE")))
    assert not result.ok and "cant_kick_from_general" in result.error
