"""Settings of the Slack adapter (``platforms.slack``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from bot.config.types import ChannelName, IdText, PlatformSection, StrictModel

BOT_SCOPES = (
    "channels:history", "channels:join", "channels:manage", "channels:read", "chat:write", "commands",
    "groups:history", "groups:read", "groups:write", "im:history", "im:read", "im:write", "mpim:history",
    "reactions:read", "reactions:write", "usergroups:read", "users:read",
)


class OAuthSettings(StrictModel):
    """Several workspaces: each installs Steward through ``/slack/install``."""

    client_id: str = ""
    client_secret: str = ""
    scopes: list[str] = Field(default_factory=lambda: list(BOT_SCOPES))
    user_scopes: list[str] = Field(default_factory=list)
    install_path: str = "/slack/install"
    redirect_path: str = "/slack/oauth_redirect"
    redirect_uri: str | None = None
    authorize_url: str = "https://slack.com/oauth/v2/authorize"
    key_env: str = "STEWARD_SLACK_KEY"
    """The environment variable holding the Fernet key(s) that encrypt stored tokens."""

    @property
    def configured(self) -> bool:
        """Both OAuth credentials are present."""
        return bool(self.client_id and self.client_secret)


class SlackSettings(StrictModel):
    """One workspace with a bot token, or several through OAuth; Socket Mode or HTTP."""

    mode: Literal["socket", "http"] = "socket"
    bot_token: str = ""
    app_token: str = ""
    signing_secret: str = ""
    admin_user_token: str = ""
    """A workspace admin's user token (chat:write): lets Steward delete other members' messages."""
    command: str = "/steward"
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=0, le=65535)
    path: str = "/slack/events"
    oauth: OAuthSettings | None = None
    api_url: str = "https://slack.com/api/"
    """The Web API base (GovSlack and tests use another one)."""
    post_interval_seconds: float = Field(default=1.0, ge=0, le=60)
    """Minimum gap between two messages Steward posts in one channel (Slack allows about one a second)."""
    edit_window_seconds: float = Field(default=1.0, ge=0, le=60)
    """Edits of one message within this long of the last collapse into one, the latest (a poll's live card)."""
    ping_interval_seconds: float = Field(default=10.0, gt=0, le=300)
    watchdog_seconds: float = Field(default=120.0, gt=0, le=3600)
    """Socket Mode: warn in the log when the connection has been silent this long."""
    join_channels: list[ChannelName] = Field(default_factory=list)
    """Joining one of these channels counts as joining the community (a community inside a bigger workspace)."""
    retry_limit: int = Field(default=3, ge=0, le=10)
    """How often slack-sdk retries a rate-limited look-up (users, channels); effects are retried by the outbox."""

    @field_validator("command")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/") or len(value) < 2 or " " in value:
            raise ValueError(f"a slash command is written as /name, got `{value}`")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"a path starts with /, got `{value}`")
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _consistent(self) -> SlackSettings:
        if self.uses_oauth and self.mode != "http":
            raise ValueError("oauth (several workspaces) needs mode: http, so Slack can reach the install pages")
        return self

    @property
    def uses_oauth(self) -> bool:
        """Several workspaces through OAuth."""
        return self.oauth is not None and self.oauth.configured

    def missing(self) -> list[str]:
        """The credentials this mode needs that are empty (all empty: Slack is simply not started)."""
        needed: dict[str, str] = {}
        if self.uses_oauth:
            needed["signing_secret"] = self.signing_secret
        else:
            needed["bot_token"] = self.bot_token
            if self.mode == "socket":
                needed["app_token"] = self.app_token
            else:
                needed["signing_secret"] = self.signing_secret
        return [name for name, value in needed.items() if not value]


class SlackCommunity(PlatformSection):
    """A community's Slack workspace (``slack: {team: T0123ABC}`` in the community)."""

    team: IdText

    def scope(self) -> str:
        """The workspace (team) id."""
        return self.team
