"""The outgoing webhook against a local HTTP server that verifies every signature and goes down mid-test:
items queue in the database outbox, chat goes on, the admin is told once, nothing is lost."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.testing import Harness, texts
from cogs.feedback import COG
from cogs.feedback.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.cogs.feedback.conftest import CONFIG, in_channel, submit

SECRET = "a-long-shared-secret-for-tests"


class Receiver:
    """A product tool's endpoint: 401 on a bad signature, records what it accepted; can go down."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.accepted: list[dict[str, Any]] = []
        self.rejected = 0
        self.slow = 0.0  # seconds before answering
        self.port = _free_port()
        self.runner: web.AppRunner | None = None

    async def hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        now = self.clock.now().timestamp() if self.clock else 0.0  # checked on arrival, however slow the answer
        await asyncio.sleep(self.slow)
        if not verify(SECRET.encode(), request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER),
                      body, now):
            self.rejected += 1
            return web.Response(status=401)
        self.accepted.append(json.loads(body))
        return web.Response(status=204)

    async def up(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.hook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def down(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()
        self.runner = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def setup(db_url: str) -> AsyncIterator[tuple[Harness, Receiver]]:
    receiver = Receiver(None)
    await receiver.up()
    config = CONFIG + f"""      webhook:
        url: "http://127.0.0.1:{receiver.port}/hook"
        secret: "{SECRET}"
        timeout: 1s
        retry_base: 1m
        alert_after: 2
"""
    h = await Harness.start(config, db_url=db_url, cogs={"feedback": COG})
    h.add_member("mo", "Moderators", rank=10)
    receiver.clock = h.clock
    yield h, receiver
    await h.close()
    if receiver.runner is not None:
        await receiver.down()


async def test_signed_deliveries_queue_while_the_endpoint_is_down_and_all_arrive(
        setup: tuple[Harness, Receiver]) -> None:
    h, receiver = setup
    await submit(h, "alice", "Dark mode on mobile", "at night", anonymous="yes")
    await h.advance(seconds=1)
    assert [(d["event"], d["data"]["number"], d["data"]["author"]) for d in receiver.accepted] == [
        ("feedback.created", 1, None)]  # anonymous: no author

    await receiver.down()
    await submit(h, "bob", "Export to CSV")
    await submit(h, "carol", "Calendar sync")
    changed = await h.command("mo", '/feedback status 1 planned "next sprint"')
    assert "#1 is now planned" in texts(changed)[-1]  # chat does not wait for the endpoint
    for _ in range(6):
        await h.advance(minutes=30)
    # A job due now may run while another call is being handled: count the mod log as a whole.
    notices = in_channel(h.performed, "mod-log")
    assert len([n for n in notices if "webhook is failing" in n]) == 1, notices  # told once, not per try
    assert len(receiver.accepted) == 1

    await receiver.up()
    for _ in range(8):
        await h.advance(hours=1)
    notices = in_channel(h.performed, "mod-log")
    assert receiver.rejected == 0
    got = [(d["event"], d["data"]["number"], d["data"]["status"]) for d in receiver.accepted]
    assert got == [("feedback.created", 1, "new"), ("feedback.created", 2, "new"), ("feedback.created", 3, "new"),
                   ("feedback.status_changed", 1, "planned")]
    assert receiver.accepted[-1]["data"]["note"] == "next sprint"
    assert len({d["id"] for d in receiver.accepted}) == 4
    assert len([n for n in notices if "webhook is back" in n]) == 1


async def test_a_forged_signature_is_refused_by_the_receiver(setup: tuple[Harness, Receiver]) -> None:
    _h, receiver = setup
    from aiohttp import ClientSession
    async with ClientSession() as http, http.post(
            f"http://127.0.0.1:{receiver.port}/hook", data=b'{"event":"x"}',
            headers={TIMESTAMP_HEADER: str(int(_h.clock.now().timestamp())), SIGNATURE_HEADER: "sha256=00"}) as r:
        assert r.status == 401
    assert receiver.rejected == 1 and receiver.accepted == []


async def test_a_slow_endpoint_is_retried_and_the_delivery_id_lets_the_receiver_drop_the_repeat(
        setup: tuple[Harness, Receiver]) -> None:
    h, receiver = setup
    receiver.slow = 1.5  # past the 1 s timeout
    assert texts(await submit(h, "alice", "Dark mode on mobile"))[0].startswith("Thanks!")
    await h.advance(seconds=1)
    receiver.slow = 0.0  # the slow answer still lands, after Steward gave up: it delivers again
    await h.advance(minutes=5)
    for _ in range(100):  # wait for the late first answer (an effect, not a timing assertion)
        if len(receiver.accepted) >= 2:
            break
        await asyncio.sleep(0.05)
    ids = [d["id"] for d in receiver.accepted]
    assert len(ids) == 2 and len(set(ids)) == 1  # at least once, one delivery id
