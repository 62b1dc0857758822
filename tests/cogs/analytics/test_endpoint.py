"""The operations endpoint over real HTTP on 127.0.0.1 (port 0): /metrics scraped as Prometheus does,
/healthz, and the report at /report behind its bearer token."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.actions import TimeoutMember
from bot.operations import bearer_refusal
from bot.testing import Harness
from cogs.analytics import COG
from tests.cogs.analytics.conftest import CONFIG, START, cog

TOKEN = "s3cret-token-0123456789"
WITH_ENDPOINT = f"operations: {{host: 127.0.0.1, port: 0, report_token: {TOKEN}}}\n" + CONFIG


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = await Harness.start(WITH_ENDPOINT, db_url=db_url, cogs={"analytics": COG}, now=START)
    harness.add_member("mo", "Moderators", rank=10)
    yield harness
    await harness.close()


def url(h: Harness, path: str) -> str:
    port = h.runtime.operations.port
    assert port, "the endpoint listens"
    return f"http://127.0.0.1:{port}{path}"


async def get(h: Harness, path: str, token: str | None = None) -> tuple[int, str, dict[str, str]]:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session, session.get(url(h, path), headers=headers) as response:
        return response.status, await response.text(), dict(response.headers)


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value in a Prometheus text page (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


async def test_metrics_move_with_events_actions_and_errors(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    status, before, headers = await get(h, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert sample(before, "steward_events_total", type="MessagePosted") == 0
    await h.post("alice", "hello")
    await h.post("bob", "hi there")
    await h.command("mo", "/stats 7d")
    _, after, _ = await get(h, "/metrics")
    assert sample(after, "steward_events_total", type="MessagePosted") == 2
    assert sample(after, "steward_events_total", type="CommandInvoked") == 1
    assert sample(after, "steward_actions_total", action="Reply", outcome="performed") == 1
    assert sample(after, "steward_platform_seconds_count", platform="memory") >= 1  # the reply went out
    assert sample(after, "steward_scheduler_lag_seconds") == 0  # nothing overdue
    assert "steward_outbox_waiting" in after

    async def broken(_event: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cog(h), "counted_message", broken)
    await h.post("alice", "this handler fails")
    _, failed, _ = await get(h, "/metrics")
    assert sample(failed, "steward_handler_errors_total", cog="analytics", handling="MessagePosted") == 1
    assert sample(failed, "steward_events_total", type="MessagePosted") == 3  # the others still ran


async def test_an_unsupported_action_counts_as_refused(h: Harness) -> None:
    h.adapter.capabilities = frozenset()  # this platform can do nothing
    community = h.runtime.communities["acme"]
    await h.runtime.perform(TimeoutMember(user=h.user("alice"), scope=community.scopes["memory"], until=START),
                            community)
    _, text, _ = await get(h, "/metrics")
    assert sample(text, "steward_actions_total", action="TimeoutMember", outcome="refused") == 1


async def test_healthz_says_what_steward_status_says(h: Harness) -> None:
    status, body, _ = await get(h, "/healthz")
    found = json.loads(body)
    assert status == 200
    assert found["status"] == "ok" and found["role"] == "leader"  # SQLite: the one process leads
    assert found["platforms"] == ["memory"] and found["communities"] == ["acme"]
    assert found["scheduler_lag_seconds"] == 0 and found["outbox_waiting"] == 0
    assert isinstance(found["shards"], list) and found["process"]


async def test_the_report_needs_the_token(h: Harness) -> None:
    await h.post("alice", "hello")
    status, body, headers = await get(h, "/report")
    assert status == 401 and "Bearer" in headers["WWW-Authenticate"] and "Authorization" in body
    assert (await get(h, "/report", "wrong-token-0123456789"))[0] == 401
    assert (await get(h, "/report", TOKEN[:-1]))[0] == 401
    status, page, headers = await get(h, "/report?since=7d", TOKEN)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<img" in page and "http://" not in page.split("</head>")[1]  # charts inline, nothing loaded
    status, data, _ = await get(h, "/report?format=json&community=acme", TOKEN)
    assert status == 200 and json.loads(data)["community"] == "acme"
    status, body, _ = await get(h, "/report?since=30x", TOKEN)
    assert status == 400 and body.startswith("since: ")
    assert (await get(h, "/report?format=pdf", TOKEN))[0] == 400
    assert (await get(h, "/report?community=nobody", TOKEN))[0] == 404
    assert (await get(h, "/nothing-here", TOKEN))[0] == 404


async def test_no_token_configured_refuses_pages(db_url: str) -> None:
    harness = await Harness.start("operations: {port: 0}\n" + CONFIG, db_url=db_url, cogs={"analytics": COG},
                                  now=START)
    try:
        status, body, _ = await get(harness, "/report")
        assert status == 403 and "report_token" in body
        assert (await get(harness, "/metrics"))[0] == 200
    finally:
        await harness.close()


async def test_off_by_default(db_url: str) -> None:
    harness = await Harness.start(CONFIG, db_url=db_url, cogs={"analytics": COG}, now=START)
    try:
        assert harness.runtime.operations.port is None
        assert harness.runtime.dispatcher.telemetry is None  # nothing counted on the hot path
    finally:
        await harness.close()


@given(header=st.text(max_size=60), token=st.sampled_from(["", TOKEN]))
def test_any_authorization_header_is_answered(header: str, token: str) -> None:
    """Whatever arrives in the header: refused (403 without a token set, else 401) unless it carries exactly the
    token."""
    refused = bearer_refusal(header, token)
    scheme, _, given = header.strip().partition(" ")
    opens = bool(token) and scheme.lower() == "bearer" and given.strip() == token
    assert (refused is None) == opens
    if refused is not None:
        assert refused[0] == (401 if token else 403) and refused[1]
    assert bearer_refusal(f"Bearer {TOKEN}", TOKEN) is None and bearer_refusal(f"bearer  {TOKEN} ", TOKEN) is None
