"""Socket Mode against a fake WebSocket: envelopes in, acks out, the watchdog on silence."""

from __future__ import annotations

import json
import logging

import pytest

from bot.events import MessagePosted
from tests.adapters.slack.conftest import StartSteward
from tests.adapters.slack.test_http import message


async def test_socket_mode_events_are_acked_and_handled_once(start_steward: StartSteward) -> None:
    steward = await start_steward(mode="socket")
    fake = steward.fake
    assert fake.of("apps.connections.open")[0].token == fake.app_token
    payload = json.loads(steward.event_body(message("badword over the socket", ts="1700000800.000100")))
    first = await fake.socket_send("events_api", payload)
    await fake.wait_for(lambda: any(a.get("envelope_id") == first for a in fake.socket_acks))
    await fake.wait_calls("chat.delete")
    again = await fake.socket_send("events_api", payload, retry=1)  # Slack re-sends an unacked envelope
    await fake.wait_for(lambda: any(a.get("envelope_id") == again for a in fake.socket_acks))
    await fake.wait_for(lambda: steward.adapter.server.dropped >= 1)
    await steward.runtime.idle()
    assert len(fake.of("chat.delete")) == 1
    posted = [e for e in steward.demo().seen if isinstance(e, MessagePosted)]
    assert len(posted) == 1 and posted[0].author.id == "U0BOB" and posted[0].channel_name == "#general"


async def test_socket_mode_slash_command(start_steward: StartSteward) -> None:
    steward = await start_steward(mode="socket")
    fake = steward.fake
    envelope = await fake.socket_send("slash_commands", {
        "token": "legacy", "team_id": "T0001", "team_domain": "acme", "channel_id": "C0GENERAL",
        "channel_name": "general", "user_id": "U0ALICE", "user_name": "alice", "command": "/steward",
        "text": "ping over socket", "api_app_id": "A0STEWARD", "is_enterprise_install": "false",
        "response_url": fake.response_url("sock"), "trigger_id": "5.6.7"})
    await fake.wait_for(lambda: any(a.get("envelope_id") == envelope for a in fake.socket_acks))
    reply = (await fake.wait_calls("response_url"))[0]
    assert reply.args["text"] == "pong over socket" and reply.args["response_type"] == "ephemeral"


async def test_watchdog_warns_when_the_connection_goes_silent(start_steward: StartSteward,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="adapters.slack")
    steward = await start_steward(mode="socket", extra="watchdog_seconds: 0.3\nping_interval_seconds: 60")
    fake = steward.fake
    fake.socket_silent = True
    await fake.wait_for(lambda: any("silent for" in r.getMessage() for r in caplog.records), within=5)
    warning = next(r for r in caplog.records if "silent for" in r.getMessage())
    assert warning.levelno == logging.WARNING
    await fake.socket_send("events_api", json.loads(steward.event_body(message("hello again"))))
    await fake.wait_for(lambda: any("alive again" in r.getMessage() for r in caplog.records), within=5)
