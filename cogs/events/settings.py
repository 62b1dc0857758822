"""The ``events`` config section: where cards go, default reminders, grace, RSVP and personal-reminder limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator

from bot.config.types import Bool, ChannelTarget, Duration, RoleName, StrictModel
from bot.durations import format_duration
from cogs.events.reminders import LONGEST_OFFSET, MAX_OFFSETS


class EventsSettings(StrictModel):
    """Events: cards in ``channel``, reminders at ``reminders`` before each start, ratings afterwards."""

    channel: ChannelTarget = "#events"  # or a key of `channels` naming one channel per platform
    hosts: list[RoleName] = Field(default_factory=list)  # who may create events besides moderators
    members_create: Bool = False  # any member may create events
    reminders: list[Duration] = Field(default_factory=lambda: [timedelta(hours=24), timedelta(hours=1)])
    remind_maybe: Bool = False  # reminders go to Maybe as well as Going
    deliver: Literal["dm", "channel"] = "dm"  # one DM each, or one post in the channel mentioning exactly them
    announce_start: Bool = True  # a post in the channel when an occurrence starts, with the check-in button
    grace: Duration = timedelta(hours=2)  # a reminder more than this late (Steward was down) is skipped
    default_duration: Duration = timedelta(hours=1)
    ask_rating: Bool = True  # attendees are asked for a 1-5 rating once it ends
    personal_limit: int = Field(default=25, ge=0, le=1000)  # /remind: pending reminders per member
    native: Bool = False  # mirror each event as a Discord Scheduled Event

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, value: list[timedelta]) -> list[timedelta]:
        if len(value) > MAX_OFFSETS:
            raise ValueError(f"at most {MAX_OFFSETS} reminders")
        for offset in value:
            if offset <= timedelta(0) or offset > LONGEST_OFFSET:
                raise ValueError(f"a reminder is up to {format_duration(LONGEST_OFFSET)} before the start, "
                                 f"not {format_duration(offset)}")
        return sorted(set(value), reverse=True)
