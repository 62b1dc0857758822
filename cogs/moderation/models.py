"""The moderation case file: one row per case, numbered per community."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base
from bot.storage.base import UTCDateTime

ACTIVE, EXPIRED, REVOKED, SUPERSEDED = "active", "expired", "revoked", "superseded"
STATES = (ACTIVE, EXPIRED, REVOKED, SUPERSEDED)


class CaseRow(Base):
    """One moderation case: who, what, why, by whom or which rule, and how it ended."""

    __tablename__ = "moderation_cases"
    __table_args__ = (
        UniqueConstraint("community", "number", name="uq_moderation_cases_number"),
        Index("ix_moderation_cases_member", "community", "platform", "user_id"),
        Index("ix_moderation_cases_person", "community", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)  # the core person; platform/user_id is the account acted on
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rule: Mapped[str | None] = mapped_column(String(60), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(12), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    incident_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    channel_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    modlog_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    modlog_message: Mapped[str | None] = mapped_column(String(64), nullable=True)
    appeal_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    appeal_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    appeal_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    appeal_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class RaidRow(Base):
    """A community's raid mode: whether it is on, since when, why and by whom, and its end job."""

    __tablename__ = "moderation_raids"

    community: Mapped[str] = mapped_column(String(40), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    why: Mapped[str] = mapped_column(Text, default="")
    by_name: Mapped[str] = mapped_column(String(100), default="")
    end_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RaidChannelRow(Base):
    """What raid mode did to one channel, and the setting to put back when it ends."""

    __tablename__ = "moderation_raid_channels"

    community: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slowed: Mapped[bool] = mapped_column(Boolean, default=False)
    prev_slowmode: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    prev_locked: Mapped[bool] = mapped_column(Boolean, default=False)


class ChannelSettingRow(Base):
    """A channel's slowmode and lock as moderators last set them through Steward."""

    __tablename__ = "moderation_channels"

    community: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slowmode: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
