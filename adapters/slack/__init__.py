"""The Slack adapter: slack-bolt's AsyncApp in Socket Mode or HTTP, one workspace or several (OAuth)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from adapters.slack.adapter import SlackAdapter
from adapters.slack.settings import SlackCommunity, SlackSettings

PLATFORM = "slack"
SETTINGS = SlackSettings
COMMUNITY = SlackCommunity  # a community's `slack:` section; its scope() is the workspace id
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

log = logging.getLogger("adapters.slack")


def credentials(settings: SlackSettings) -> tuple[bool, list[str]]:
    """(whether any Slack credential is given, the ones this mode still needs)."""
    given = [settings.bot_token, settings.app_token, settings.signing_secret, settings.admin_user_token]
    if settings.oauth is not None:
        given += [settings.oauth.client_id, settings.oauth.client_secret]
    return any(given), settings.missing()


def create(settings: SlackSettings, *, config: Any = None) -> SlackAdapter | None:
    """The adapter, or None when no Slack credential is configured at all (Slack is not started)."""
    if not credentials(settings)[0]:
        return None
    return SlackAdapter(settings, config=config)


__all__ = ["COMMUNITY", "MIGRATIONS", "PLATFORM", "SETTINGS", "SlackAdapter", "SlackCommunity", "SlackSettings",
           "create", "credentials"]
