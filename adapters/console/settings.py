"""Settings of the console adapter (``platforms.console``)."""

from __future__ import annotations

from bot.config.types import StrictModel


class ConsoleSettings(StrictModel):
    """The console runs when no other platform has credentials, or when asked to."""

    community: str | None = None
    bot_name: str = "steward"
    outbox: str = "data/outbox"  # files Steward sends are written here so a person can open them
