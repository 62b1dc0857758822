"""The ``feedback`` config section: where feedback comes from, where it goes, and the webhook."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from bot.calendars import Recurrence, RecurrenceField
from bot.config.types import Bool, ChannelName, Duration, StrictModel
from cogs.feedback.capture import MAX_DETAILS, MAX_TITLE
from cogs.feedback.similar import DEFAULT_THRESHOLD
from cogs.feedback.webhook import Backoff


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) < 10:
        raise ValueError(f"the webhook url must start with http:// or https://, got `{value[:60]}`")
    return value


def _secret(value: str) -> str:
    if len(value.encode("utf-8")) < 16:
        raise ValueError("the webhook secret must be at least 16 bytes (put it in the environment: ${NAME})")
    return value


class Duplicates(StrictModel):
    """How similar an open item must be to be offered instead of a new one."""

    threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.05, le=1.0)
    offer: int = Field(default=3, ge=1, le=5)


class Ratings(StrictModel):
    """Post-event ratings (published by the events cog) that become feedback items."""

    enabled: Bool = True
    capture_at_most: int = Field(default=3, ge=1, le=10)  # ratings at or under this become items


class Digest(StrictModel):
    """The weekly digest to the product channel."""

    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("0 9 * * MON"))
    top: int = Field(default=5, ge=1, le=20)


class Webhook(StrictModel):
    """An outgoing webhook on create and on status change, signed with HMAC-SHA256."""

    url: Annotated[str, AfterValidator(_http_url)]
    secret: Annotated[str, AfterValidator(_secret)]
    timeout: Duration = Field(default_factory=lambda: timedelta(seconds=10))
    retry_base: Duration = Field(default_factory=lambda: timedelta(seconds=30))
    retry_cap: Duration = Field(default_factory=lambda: timedelta(hours=6))
    alert_after: int = Field(default=3, ge=1, le=100)  # failed attempts in a row before the admin is told

    def backoff(self) -> Backoff:
        """The retry schedule."""
        return Backoff(base_s=self.retry_base.total_seconds(), cap_s=self.retry_cap.total_seconds())


class FeedbackSettings(StrictModel):
    """Capture (form, reaction, channel, event ratings), duplicates, digest and the webhook."""

    channel: ChannelName | None = None  # every post here becomes an item; follower mentions go here
    product_channel: ChannelName | None = None  # the weekly digest
    reaction: str | None = "💡"  # reacting with it on any message captures that message
    categories: list[str] = Field(default_factory=lambda: ["feature", "bug", "ux", "other"], min_length=1)
    max_title: int = Field(default=MAX_TITLE, ge=20, le=300)
    max_details: int = Field(default=MAX_DETAILS, ge=100, le=4000)
    duplicates: Duplicates = Field(default_factory=lambda: Duplicates())
    ratings: Ratings = Field(default_factory=lambda: Ratings())
    digest: Digest | None = Field(default_factory=lambda: Digest())
    webhook: Webhook | None = None

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        out = []
        for name in value:
            clean = name.strip().casefold()
            if not clean or len(clean) > 30 or " " in clean:
                raise ValueError(f"a category is one short word, got `{name[:40]}`")
            if clean in out:
                raise ValueError(f"category `{clean}` is listed twice")
            out.append(clean)
        return out

    @field_validator("reaction")
    @classmethod
    def _reaction(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or len(value) > 64):
            raise ValueError("the reaction is one emoji (or a custom emoji's name)")
        return value.strip() if value else value
