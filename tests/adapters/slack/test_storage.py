"""The Slack tables on every backend: the migration runs, tokens round-trip encrypted, states expire."""

from __future__ import annotations

import time

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import text

from adapters.slack import MIGRATIONS
from adapters.slack.install_store import (
    INSTALLATIONS_TABLE,
    PREFIX,
    STATES_TABLE,
    EncryptedInstallationStore,
    load_key,
)
from bot.storage import Database
from steward.catalog import discover


async def test_slack_migration_and_an_encrypted_installation_round_trip(db_url: str) -> None:
    migrations = discover().migrations()  # what `steward db upgrade` applies: core, cogs, every adapter
    assert MIGRATIONS in migrations
    db = await Database.open(db_url, migrations)
    try:
        store = EncryptedInstallationStore("1234.5678", db.engine, load_key(Fernet.generate_key().decode(), "K"))
        long_token = "xoxe.xoxb-" + "r" * 180  # a rotating token: ciphertext well past slack-sdk's String(200)
        installation = Installation(
            app_id="A0STEWARD", team_id="T0002", team_name="Beta", bot_token="xoxb-secret", bot_id="B0BETA",
            bot_user_id="U0BETABOT", bot_scopes="chat:write,commands", bot_refresh_token=long_token,
            bot_token_expires_in=43200, user_id="U0INSTALLER", user_token="xoxp-user-secret",
            user_scopes="chat:write", installed_at=time.time())
        await store.async_save(installation)

        bot = await store.async_find_bot(enterprise_id=None, team_id="T0002")
        assert bot is not None and bot.bot_token == "xoxb-secret" and bot.bot_refresh_token == long_token
        assert bot.bot_token_expires_at is not None and bot.bot_user_id == "U0BETABOT"
        found = await store.async_find_installation(enterprise_id=None, team_id="T0002", user_id="U0INSTALLER")
        assert found is not None and found.user_token == "xoxp-user-secret" and found.bot_token == "xoxb-secret"

        async with db.engine.connect() as conn:  # at rest only ciphertext
            rows = (await conn.execute(text(
                f"SELECT bot_token, user_token, bot_refresh_token FROM {INSTALLATIONS_TABLE}"))).all()
        assert len(rows) == 1
        assert all(value.startswith(PREFIX) for value in rows[0])
        assert not {"xoxb-secret", "xoxp-user-secret", long_token} & set(rows[0])

        await store.async_delete_installation(enterprise_id=None, team_id="T0002", user_id="U0INSTALLER")
        await store.async_delete_bot(enterprise_id=None, team_id="T0002")
        assert await store.async_find_bot(enterprise_id=None, team_id="T0002") is None

        states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=db.engine, table_name=STATES_TABLE)
        state = await states.async_issue()
        assert await states.async_consume(state) is True
        assert await states.async_consume(state) is False  # one use only
    finally:
        await db.close()
