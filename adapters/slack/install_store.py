"""Slack installations on Steward's database, with every token encrypted at rest.

slack-sdk's ``AsyncSQLAlchemyInstallationStore`` does the storing (its tables are created by
this adapter's Alembic migration); this wrapper encrypts tokens with Fernet before they reach
it and decrypts them on the way out. The key comes from an environment variable: one or
more comma-separated Fernet keys, the first encrypts, all decrypt (so keys can be rotated).
"""

from __future__ import annotations

import copy
import logging
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

BOTS_TABLE = "slack_bots"
INSTALLATIONS_TABLE = "slack_installations"
STATES_TABLE = "slack_oauth_states"
PREFIX = "enc1:"
SECRET_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url")
KEY_HINT = ('generate one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"')

T = TypeVar("T", Installation, Bot)


class KeyError_(ValueError):
    """The encryption key is missing or malformed; the message says what to do."""


def load_key(value: str | None, env_name: str) -> MultiFernet:
    """Fernet keys from the environment variable's value."""
    if not value or not value.strip():
        raise KeyError_(f"{env_name} is not set: Slack tokens are stored encrypted and need a key; {KEY_HINT}")
    try:
        return MultiFernet([Fernet(part.strip().encode("ascii")) for part in value.split(",") if part.strip()])
    except (ValueError, UnicodeEncodeError):
        raise KeyError_(f"{env_name} is not a Fernet key (32 url-safe base64 bytes); {KEY_HINT}") from None


class EncryptedInstallationStore(AsyncInstallationStore):
    """An installation store whose tokens are ciphertext in the database."""

    def __init__(self, client_id: str, engine: AsyncEngine, fernet: MultiFernet) -> None:
        self.inner = AsyncSQLAlchemyInstallationStore(
            client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE, logger=log)
        self.fernet = fernet

    @property
    def logger(self) -> logging.Logger:
        return log

    def _seal(self, item: T) -> T:
        sealed = copy.copy(item)
        for name in SECRET_FIELDS:
            value = getattr(sealed, name, None)
            if isinstance(value, str) and value and not value.startswith(PREFIX):
                setattr(sealed, name, PREFIX + self.fernet.encrypt(value.encode("utf-8")).decode("ascii"))
        return sealed

    def _open(self, item: T | None) -> T | None:
        if item is None:
            return None
        for name in SECRET_FIELDS:
            value: Any = getattr(item, name, None)
            if isinstance(value, str) and value.startswith(PREFIX):
                try:
                    setattr(item, name, self.fernet.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8"))
                except InvalidToken:
                    log.error("slack: stored tokens of team %s cannot be decrypted with the configured key "
                              "(was the key changed without keeping the old one?)", getattr(item, "team_id", "?"))
                    return None
        return item

    async def async_save(self, installation: Installation) -> None:
        await self.inner.async_save(self._seal(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        await self.inner.async_save_bot(self._seal(bot))

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        return self._open(await self.inner.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install))

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        return self._open(await self.inner.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install))

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.inner.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await self.inner.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
