"""Settings of the console adapter (``platforms.console``)."""

from __future__ import annotations

import re

from pydantic import field_validator

from bot.config.types import StrictModel


class ConsoleSettings(StrictModel):
    """The console runs when no other platform has credentials, or when asked to."""

    community: str | None = None
    bot_name: str = "steward"
    outbox: str = "data/outbox"  # files Steward sends are written here so a person can open them
    # play one community on several platforms in one terminal: `sides: [discord, slack]` starts a
    # console side named after each (lines go to the first; `@slack LINE` types LINE on another)
    sides: list[str] = []

    @field_validator("sides")
    @classmethod
    def _sides(cls, value: list[str]) -> list[str]:
        if len(value) == 1:
            raise ValueError("sides names two platforms or more (e.g. [discord, slack]), or is left out")
        for name in value:
            if not re.fullmatch(r"[a-z][a-z0-9_-]{0,19}", name):
                raise ValueError(f"`{name}` is not a platform name (write discord, slack, ...)")
        if len(set(value)) != len(value):
            raise ValueError("each side is named once")
        return value
