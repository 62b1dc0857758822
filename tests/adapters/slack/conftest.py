"""Steward started the way ``steward run`` starts it, with Slack pointed at the fake."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.adapter import SlackAdapter
from bot.clock import Clock
from bot.events import Event
from bot.runtime import Runtime
from steward.app import build_adapters, load
from steward.catalog import Catalog, discover
from tests.adapters.slack.democog import DemoCog
from tests.adapters.slack.fake_slack import WAIT, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def config_yaml(fake: FakeSlack, db: str, *, mode: str = "http", admin: bool = True, team: str | None = "T0001",
                extra: str = "", channels: dict[str, str] | None = None, sections: str | None = None,
                post_interval: float = 0, roles: str = "") -> str:
    """A config file as an admin would write it, Slack pointed at the fake.

    ``sections`` replaces the demo cog's section with the given cog sections (YAML at community level);
    ``roles`` adds role purposes (``member: [Members]``) beside the moderator and admin ones.
    """
    lines = [
        f'storage: {{url: "{db}"}}',
        "platforms:",
        "  slack:",
        f"    mode: {mode}",
        "    host: 127.0.0.1",
        "    port: 0",
        f"    api_url: {fake.api_url}",
        f"    post_interval_seconds: {post_interval:g}",
    ]
    if mode == "socket":
        lines += [f"    app_token: {fake.app_token}", "    bot_token: xoxb-test"]
    elif "oauth:" not in extra:
        lines += [f"    signing_secret: {SECRET}", "    bot_token: xoxb-test"]
    else:
        lines += [f"    signing_secret: {SECRET}"]
    if admin:
        lines.append("    admin_user_token: xoxp-admin")
    lines += ["    " + line for line in extra.splitlines() if line.strip()]
    chans = channels or {"modlog": "#mod-log", "general": "#general"}
    lines += [
        "communities:",
        "  - name: acme",
        *([f"    slack: {{team: {team}}}"] if team else []),
        "    roles: {moderator: [Moderators], admin: [Admins]" + (f", {roles}" if roles else "") + "}",
        "    channels: {" + ", ".join(f'{k}: "{v}"' for k, v in chans.items()) + "}",
        "    commands: {per_member: 50, window: 10s}",
    ]
    if sections is None:
        lines.append("    demo: {banned: [badword]}")
    else:
        lines += ["    " + line for line in sections.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


class Steward:
    """A started Steward with helpers to speak to it as Slack does."""

    def __init__(self, runtime: Runtime, fake: FakeSlack, path: Path, catalog: Catalog) -> None:
        self.runtime = runtime
        self.fake = fake
        self.path = path
        self.catalog = catalog
        adapter = runtime.adapters["slack"]
        assert isinstance(adapter, SlackAdapter)
        self.adapter = adapter
        self.session = aiohttp.ClientSession()
        self._ids = iter(range(1, 10**6))

    @property
    def url(self) -> str:
        """Where Slack would send events."""
        return f"http://127.0.0.1:{self.adapter.port}{self.adapter.settings.path}"

    def cog(self, name: str, community: str = "acme") -> Any:
        """A cog instance of a community, by its name."""
        return next(c for c in self.runtime.cogs_of(community) if c.name == name)

    def demo(self, community: str = "acme") -> DemoCog:
        """The demo cog instance of a community."""
        return next(c for c in self.runtime.cogs_of(community) if isinstance(c, DemoCog))

    async def wait_seen(self, predicate: Callable[[Event], bool], within: float = WAIT) -> Event:
        """Wait until the demo cog saw a matching event."""
        found = await self.fake.wait_for(lambda: next((e for e in self.demo().seen if predicate(e)), None), within)
        assert isinstance(found, Event)
        return found

    def signed(self, body: bytes, *, ts: str | None = None, secret: str = SECRET) -> dict[str, str]:
        """Headers Slack would send with ``body``."""
        ts = ts or str(int(time.time()))
        if _is_utf8(body):
            sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        else:  # slack-sdk can't sign bytes that aren't UTF-8; a hostile sender can
            sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        assert sig is not None
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}

    async def send_raw(self, body: bytes, headers: dict[str, str], content_type: str) -> aiohttp.ClientResponse:
        """POST exactly these bytes."""
        async with self.session.post(self.url, data=body, headers={**headers, "Content-Type": content_type}) as r:
            await r.read()
            return r

    def event_body(self, event: dict[str, Any], *, event_id: str | None = None, team: str = "T0001") -> bytes:
        """An Events API envelope around ``event``."""
        body = {"token": "legacy", "team_id": team, "api_app_id": "A0STEWARD", "event": event,
                "type": "event_callback", "event_id": event_id or f"Ev{next(self._ids):08d}",
                "event_time": int(time.time()), "authorizations": [
                    {"team_id": team, "user_id": "UBOT", "is_bot": True, "is_enterprise_install": False}]}
        return json.dumps(body).encode()

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, team: str = "T0001",
                    headers: dict[str, str] | None = None) -> int:
        """Deliver a signed event; returns the HTTP status."""
        body = self.event_body(event, event_id=event_id, team=team)
        r = await self.send_raw(body, {**self.signed(body), **(headers or {})}, "application/json")
        return r.status

    async def command(self, text: str, *, user: str = "U0ALICE", channel: str = "C0GENERAL",
                      team: str = "T0001", hook: str = "cmd") -> int:
        """A signed slash command (form-encoded, as Slack sends it)."""
        form = {"token": "legacy", "team_id": team, "team_domain": "acme", "channel_id": channel,
                "channel_name": "general", "user_id": user, "user_name": "someone",
                "command": self.adapter.settings.command, "text": text, "api_app_id": "A0STEWARD",
                "response_url": self.fake.response_url(hook), "trigger_id": f"trig.{next(self._ids)}"}
        body = urlencode(form).encode()
        r = await self.send_raw(body, self.signed(body), "application/x-www-form-urlencoded")
        return r.status

    async def interact(self, payload: dict[str, Any]) -> int:
        """A signed interactive payload (``payload=<json>``)."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        r = await self.send_raw(body, self.signed(body), "application/x-www-form-urlencoded")
        return r.status

    async def close(self) -> None:
        """Stop Steward and the client session."""
        await self.session.close()
        await self.runtime.stop()


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


StartSteward = Callable[..., Awaitable[Steward]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The fake Slack, listening."""
    server = await FakeSlack().start()
    try:
        yield server
    finally:
        await server.stop()
    assert server.unmodelled == [], "Steward called Slack methods the fake does not model"


@pytest.fixture
async def start_steward(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[StartSteward]:
    """Build Steward from a YAML file as ``steward run`` does.

    With ``demo=True`` (the default) the demo cog is added to the discovered catalog; with
    ``demo=False`` the catalog is exactly what ``steward run`` discovers. ``db`` overrides the
    temporary SQLite database (the ``db_url`` fixture gives PostgreSQL too); ``clock`` injects one.
    """
    started: list[Steward] = []

    async def start(*, demo: bool = True, db: str | None = None, clock: Clock | None = None,
                    **kwargs: Any) -> Steward:
        path = tmp_path / "steward.yaml"
        path.write_text(config_yaml(fake, db or f"sqlite+aiosqlite:///{tmp_path / 'steward.db'}", **kwargs),
                        encoding="utf-8")
        found = discover()
        catalog = (Catalog({**found.cogs, DemoCog.name: DemoCog}, dict(found.cog_modules), found.adapters)
                   if demo else found)
        config = load(path, catalog)
        adapters, console, built_clock = build_adapters(config, catalog)
        assert console is None, "Slack should have started, not the console"
        runtime = Runtime(config, cogs=catalog.cogs, adapters=adapters, clock=clock or built_clock,
                          loader=lambda: load(path, catalog), migrations=catalog.adapter_migrations())
        try:
            await runtime.start()
        except BaseException:
            await runtime.stop()
            raise
        steward = Steward(runtime, fake, path, catalog)
        started.append(steward)
        return steward

    yield start
    for steward in started:
        await steward.close()
