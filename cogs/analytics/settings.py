"""The ``analytics`` config section: the weekly staff report, /stats and invite campaigns."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from bot.calendars import Recurrence, RecurrenceField
from bot.config.types import ChannelName, Duration, StrictModel
from cogs.analytics.period import MAX_DAYS


class WeeklyReport(StrictModel):
    """The report with charts posted to the staff channel."""

    channel: ChannelName = "#staff"
    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("0 9 * * MON"))
    days: int = Field(default=7, ge=1, le=MAX_DAYS)  # the period each report covers


class Retention(StrictModel):
    """Activity older than ``keep`` is rolled up into one row per person, channel and day (:mod:`retention`)."""

    keep: Duration = timedelta(days=90)
    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("30 3 * * *"))

    @field_validator("keep")
    @classmethod
    def _whole_days(cls, value: timedelta) -> timedelta:
        if value < timedelta(days=2) or value % timedelta(days=1):
            raise ValueError("keep is whole days, at least 2 (e.g. 90d): today's rows are still being written")
        return value


class AnalyticsSettings(StrictModel):
    """What is counted (never message text), the weekly report, and where campaign invites point."""

    report: WeeklyReport | None = Field(default_factory=lambda: WeeklyReport())
    stats_days: int = Field(default=7, ge=1, le=MAX_DAYS)  # /stats without a period
    top: int = Field(default=5, ge=1, le=25)  # top contributors shown
    invite_channel: ChannelName | None = None  # where /invite create makes its Discord invite
    ignore_channels: list[ChannelName] = Field(default_factory=list)  # not counted (staff rooms)
    retention: Retention | None = None  # off: every counted event keeps its own row

    @field_validator("ignore_channels")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for name in value:
            if name in seen:
                raise ValueError(f"{name} is listed twice")
            seen.append(name)
        return seen
