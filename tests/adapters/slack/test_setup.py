"""Settings, start-up, forms outside a click, joins by channel, key rotation, health."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from adapters.slack import create
from adapters.slack.install_store import PREFIX, EncryptedInstallationStore, load_key
from adapters.slack.settings import SlackSettings
from bot.actions import OpenForm
from bot.errors import StartupError
from bot.events import MemberJoined, Origin
from bot.refs import ChannelRef, UserRef
from bot.runtime import Runtime
from steward.app import build_adapters, load
from steward.catalog import discover
from tests.adapters.slack.conftest import StartSteward
from tests.adapters.slack.democog import APPEAL
from tests.adapters.slack.test_http import block_action

ROOT = Path(__file__).resolve().parents[3]


def test_example_config_without_slack_env_runs_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_ADMIN_USER_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    catalog = discover()
    config = load(ROOT / "config" / "example.yaml", catalog)
    assert "slack" in config.platform_settings()
    adapters, console, _clock = build_adapters(config, catalog)
    assert console is not None and [a.platform for a in adapters] == ["console"]


def test_settings() -> None:
    assert create(SlackSettings()) is None
    assert create(SlackSettings(bot_token="xoxb-1")) is not None
    with pytest.raises(ValidationError, match="needs mode: http"):
        SlackSettings(oauth={"client_id": "1", "client_secret": "2"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="slash command"):
        SlackSettings(command="steward")
    assert SlackSettings(bot_token="x").missing() == ["app_token"]
    assert SlackSettings(mode="http", bot_token="x").missing() == ["signing_secret"]
    assert "delete" in create(SlackSettings(bot_token="x", admin_user_token="xoxp-1")).capabilities  # type: ignore[union-attr]


async def test_half_configured_slack_stops_start_up_naming_what_is_missing() -> None:
    adapter = create(SlackSettings(bot_token="xoxb-1"))
    assert adapter is not None

    async def sink(_event: object) -> None:
        return None

    with pytest.raises(StartupError, match="app_token empty"):
        await adapter.start(sink)


def test_tokens_are_sealed_and_keys_rotate() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    from slack_sdk.oauth.installation_store.models.bot import Bot
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine("sqlite+aiosqlite://")
    bot = Bot(app_id="A", team_id="T1", bot_token="xoxb-secret", bot_id="B", bot_user_id="U", installed_at=1.0)
    sealed = EncryptedInstallationStore("c", engine, load_key(old, "K"))._seal(bot)
    assert sealed.bot_token.startswith(PREFIX) and "xoxb-secret" not in sealed.bot_token
    assert bot.bot_token == "xoxb-secret"  # the caller's object is left alone
    rotated = EncryptedInstallationStore("c", engine, load_key(f"{new},{old}", "K"))
    opened = rotated._open(sealed)
    assert opened is not None and opened.bot_token == "xoxb-secret"
    wrong = EncryptedInstallationStore("c", engine, load_key(new, "K"))
    assert wrong._open(EncryptedInstallationStore("c", engine, load_key(old, "K"))._seal(bot)) is None
    with pytest.raises(ValueError, match="not a Fernet key"):
        load_key("not-a-key", "K")


async def test_a_form_without_a_fresh_click_is_offered_behind_a_button(start_steward: StartSteward) -> None:
    steward = await start_steward()
    fake = steward.fake
    origin = Origin(platform="slack", scope="T0001", user=UserRef("slack", "U0BOB"),
                    channel=ChannelRef("slack", "C0GENERAL"))
    assert (await steward.adapter.perform(OpenForm(origin=origin, form=APPEAL))).ok
    offer = (await fake.wait_calls("chat.postEphemeral"))[0]
    button = next(e for b in offer.args["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"].startswith("st1|slack:open-form|")
    await steward.interact(block_action(button["action_id"], button["value"], user="U0BOB"))
    opened = (await fake.wait_calls("views.open"))[0]
    assert opened.args["view"]["callback_id"] == APPEAL.custom_id


async def test_joining_a_listed_channel_counts_as_joining(start_steward: StartSteward) -> None:
    steward = await start_steward(extra='join_channels: ["#welcome"]')
    await steward.adapter.resolve_channel("T0001", "#welcome")  # names are cached at start
    await steward.event({"type": "member_joined_channel", "user": "U0ALICE", "channel": "C0HELP",
                         "channel_type": "C", "team": "T0001", "event_ts": "1700000900.000100"})
    await steward.event({"type": "member_joined_channel", "user": "U0BOB", "channel": "C0WELCOME",
                         "channel_type": "C", "team": "T0001", "event_ts": "1700000901.000100"})
    joined = await steward.wait_seen(lambda e: isinstance(e, MemberJoined))
    assert isinstance(joined, MemberJoined) and joined.member.id == "U0BOB" and joined.name == "Bob"
    await steward.runtime.idle()
    assert [e.member.id for e in steward.demo().seen if isinstance(e, MemberJoined)] == ["U0BOB"]


async def test_health_endpoint(start_steward: StartSteward) -> None:
    steward = await start_steward()
    async with steward.session.get(f"http://127.0.0.1:{steward.adapter.port}/healthz") as r:
        assert r.status == 200 and await r.text() == "ok"


async def test_a_database_that_ran_slack_still_opens_without_slack(start_steward: StartSteward,
                                                                   tmp_path: Path) -> None:
    steward = await start_steward()
    db_url = steward.runtime.config.storage.url
    await steward.close()
    path = tmp_path / "console.yaml"
    path.write_text(f'storage: {{url: "{db_url}"}}\nplatforms:\n  slack: {{bot_token: ""}}\n'
                    "communities:\n  - name: acme\n", encoding="utf-8")
    catalog = discover()
    config = load(path, catalog)
    adapters, console, clock = build_adapters(config, catalog)
    assert console is not None  # Slack has no credentials now
    runtime = Runtime(config, cogs=catalog.cogs, adapters=adapters, clock=clock,
                      migrations=catalog.adapter_migrations())
    await runtime.start()  # the slack_0001 revision recorded in the database is still known
    await runtime.stop()
