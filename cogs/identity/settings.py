"""The ``identity`` config section: how long a link code lives and how many wrong codes are allowed."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from bot.config.types import Duration, StrictModel


class IdentitySettings(StrictModel):
    """Linking accounts across the community's platforms."""

    code_lifetime: Duration = timedelta(minutes=10)
    wrong_codes: int = Field(default=5, ge=1, le=20)  # wrong codes an account may enter per window
    wrong_window: Duration = timedelta(minutes=10)

    @field_validator("code_lifetime")
    @classmethod
    def _lifetime(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= timedelta(hours=1):
            raise ValueError("a link code lives between 1m and 1h (10m is usual)")
        return value

    @field_validator("wrong_window")
    @classmethod
    def _window(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= timedelta(days=1):
            raise ValueError("the wrong-code window is between 1m and 1d")
        return value
