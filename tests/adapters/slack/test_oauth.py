"""Several workspaces: an OAuth install against the fake oauth.v2.access, tokens encrypted at rest."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from tests.adapters.slack.conftest import StartSteward, Steward, config_yaml
from tests.adapters.slack.fake_slack import FakeSlack, default_workspace
from tests.adapters.slack.test_http import message

pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

OAUTH = "oauth: {client_id: '1111.2222', client_secret: oauth-secret}"


async def _install(steward: Steward, code: str) -> str:
    """Walk the install page and the redirect as a browser would; returns the success page."""
    base = f"http://127.0.0.1:{steward.adapter.port}"
    async with steward.session.get(f"{base}/slack/install") as r:
        assert r.status == 200
        page = await r.text()
        cookie = r.headers["Set-Cookie"]
    state = re.search(r"slack-app-oauth-state=([^;]+)", cookie)
    assert state is not None and state.group(1) in page  # the authorize link carries the same state
    # The cookie is Secure; on plain-HTTP loopback it is forwarded by hand.
    async with steward.session.get(f"{base}/slack/oauth_redirect", params={"code": code, "state": state.group(1)},
                                   headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"}) as r:
        assert r.status == 200, await r.text()
        return await r.text()


async def _rows(steward: Steward, table: str) -> list[dict[str, object]]:
    async with steward.runtime.db.engine.connect() as conn:
        result = await conn.execute(sa.text(f"SELECT * FROM {table}"))
        return [dict(row) for row in result.mappings()]


async def test_install_then_an_event_from_that_workspace_is_answered_with_its_token(
        start_steward: StartSteward, fake: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_SLACK_KEY", Fernet.generate_key().decode())
    fake.oauth_codes["code-two"] = default_workspace("T0002", token="xoxb-second-workspace")
    steward = await start_steward(admin=False, team=None, extra=OAUTH)  # no workspace installed yet

    await _install(steward, "code-two")
    exchange = fake.of("oauth.v2.access")[0]
    assert exchange.args["code"] == "code-two"
    bots = await _rows(steward, "slack_bots")
    assert [b["team_id"] for b in bots] == ["T0002"]
    stored = str(bots[0]["bot_token"])
    assert stored.startswith("enc1:") and "xoxb-second-workspace" not in stored  # encrypted at rest

    # the admin adds the workspace to the community and reloads
    steward.path.write_text(config_yaml(fake, str(steward.runtime.config.storage.url), admin=False, team="T0002",
                                        extra=OAUTH), encoding="utf-8")
    assert await steward.runtime.reload() == []
    assert steward.runtime.communities["acme"].channel("modlog", "slack") is not None

    assert await steward.event(message("badword from the second workspace"), team="T0002") == 200
    log = await fake.wait_for(lambda: [c for c in fake.of("chat.postMessage") if c.args["channel"] == "C0MODLOG"])
    assert log[0].token == "xoxb-second-workspace"
    dm = (await fake.wait_calls("conversations.open"))[0]
    assert dm.token == "xoxb-second-workspace"

    # Slack revokes the tokens, then the app is uninstalled: the stored tokens go
    await steward.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0INSTALLER"], "bot": ["UBOT"]}},
                        team="T0002")
    await _wait_rows_gone(steward, "slack_bots")
    await steward.event({"type": "app_uninstalled"}, team="T0002")
    await _wait_rows_gone(steward, "slack_installations")


async def _wait_rows_gone(steward: Steward, table: str) -> None:
    deadline = time.monotonic() + 5
    while await _rows(steward, table):
        assert time.monotonic() < deadline, f"{table} still has rows"
        await asyncio.sleep(0.02)


async def test_oauth_without_the_encryption_key_refuses_to_start(
        start_steward: StartSteward, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.errors import StartupError

    monkeypatch.delenv("STEWARD_SLACK_KEY", raising=False)
    with pytest.raises(StartupError, match="STEWARD_SLACK_KEY is not set"):
        await start_steward(admin=False, team=None, extra=OAUTH)
