"""The events cog's tables: events (a series each), RSVPs per occurrence, check-ins, ratings, personal reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base
from bot.storage.base import UTCDateTime

OPEN, CANCELLED = "open", "cancelled"


class EventRow(Base):
    """One event (a series of one or more occurrences), numbered per community."""

    __tablename__ = "events_events"
    __table_args__ = (UniqueConstraint("community", "number", name="uq_events_events_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300), default="")  # a link or an address
    tz: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column(UTCDateTime)  # the series' first start
    duration_s: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str | None] = mapped_column(String(300), nullable=True)
    cancelled: Mapped[list[str]] = mapped_column(JSON, default=list)  # occurrence keys, ISO UTC
    moves: Mapped[list[list[str | int]]] = mapped_column(JSON, default=list)  # [key, start, seconds]
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    offsets: Mapped[list[int]] = mapped_column(JSON, default=list)  # reminder offsets, seconds
    state: Mapped[str] = mapped_column(String(12), default=OPEN)
    creator: Mapped[int] = mapped_column(Integer)  # person id
    cards: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)  # platform -> [channel, message]
    native: Mapped[str] = mapped_column(String(64), default="")  # Discord scheduled event id
    generation: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every replan
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RsvpRow(Base):
    """One member's answer to one occurrence; ``position`` orders each list (the waitlist is FIFO)."""

    __tablename__ = "events_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "occurrence", "person_id", name="uq_events_rsvps_person"),
        Index("ix_events_rsvps_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime)
    person_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))  # the account they answered from: reminders reach it
    user_id: Mapped[str] = mapped_column(String(64))
    standing: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer)
    attended: Mapped[str] = mapped_column(String(8), default="")  # "", "self" (checked in) or "host"
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """A reminder delivered to one person: its idempotency key, so nobody gets it twice."""

    __tablename__ = "events_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonalRow(Base):
    """A member's own reminder (``/remind``): what, when next, and how it repeats."""

    __tablename__ = "events_personal"
    __table_args__ = (Index("ix_events_personal_person", "community", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64), default="")  # where it was set: the fallback
    note: Mapped[str] = mapped_column(Text)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tz: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftRow(Base):
    """A member's event draft between the create form and "Create it" (one per member and community):
    kept here so a restart in between loses nothing."""

    __tablename__ = "events_drafts"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community: Mapped[str] = mapped_column(String(40), primary_key=True)
    draft: Mapped[dict[str, object]] = mapped_column(JSON)  # see store.draft_json
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
