"""The ``analytics`` config section: the weekly staff report, /stats and invite campaigns."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.calendars import Recurrence, RecurrenceField
from bot.config.types import ChannelName, StrictModel
from cogs.analytics.period import MAX_DAYS


class WeeklyReport(StrictModel):
    """The report with charts posted to the staff channel."""

    channel: ChannelName = "#staff"
    when: RecurrenceField = Field(default_factory=lambda: Recurrence.parse("0 9 * * MON"))
    days: int = Field(default=7, ge=1, le=MAX_DAYS)  # the period each report covers


class AnalyticsSettings(StrictModel):
    """What is counted (never message text), the weekly report, and where campaign invites point."""

    report: WeeklyReport | None = Field(default_factory=lambda: WeeklyReport())
    stats_days: int = Field(default=7, ge=1, le=MAX_DAYS)  # /stats without a period
    top: int = Field(default=5, ge=1, le=25)  # top contributors shown
    invite_channel: ChannelName | None = None  # where /invite create makes its Discord invite
    ignore_channels: list[ChannelName] = Field(default_factory=list)  # not counted (staff rooms)

    @field_validator("ignore_channels")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen: list[str] = []
        for name in value:
            if name in seen:
                raise ValueError(f"{name} is listed twice")
            seen.append(name)
        return seen
