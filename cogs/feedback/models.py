"""The feedback cog's tables: items, votes, followers, status changes, notices and the webhook outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base
from bot.storage.base import UTCDateTime


class ItemRow(Base):
    """One piece of feedback, numbered per community; the author is a core person."""

    __tablename__ = "feedback_items"
    __table_args__ = (UniqueConstraint("community", "number", name="uq_feedback_items_number"),
                      Index("ix_feedback_items_status", "community", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None once the author is erased
    author_name: Mapped[str] = mapped_column(String(100), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30), default="")
    tags: Mapped[str] = mapped_column(String(300), default="")  # space-separated, lower case
    status: Mapped[str] = mapped_column(String(16), default="new")
    source: Mapped[str] = mapped_column(String(16))  # form, reaction, channel, rating
    link_platform: Mapped[str | None] = mapped_column(String(20), nullable=True)
    link_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    link_message: Mapped[str | None] = mapped_column(String(64), nullable=True)
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)  # an item number
    status_before_merge: Mapped[str | None] = mapped_column(String(16), nullable=True)
    sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class _OnItem:
    """A person's link to an item; ``origin`` is the item number it was moved from by a merge."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    person_id: Mapped[int] = mapped_column(Integer)
    origin: Mapped[int | None] = mapped_column(Integer, nullable=True)


class VoteRow(_OnItem, Base):
    """One person's vote on an item."""

    __tablename__ = "feedback_votes"
    __table_args__ = (UniqueConstraint("item_id", "person_id", name="uq_feedback_votes_person"),)

    kind: Mapped[str] = mapped_column(String(12), default="voted")  # voted, reacted
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowerRow(_OnItem, Base):
    """Someone told of every status change, on the platform account they used."""

    __tablename__ = "feedback_followers"
    __table_args__ = (UniqueConstraint("item_id", "person_id", name="uq_feedback_followers_person"),)

    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))


class ChangeRow(Base):
    """A status change with its public note (or a merge, an undo, a tag)."""

    __tablename__ = "feedback_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    by_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeRow(Base):
    """That one follower was told of one change: the unique key makes it exactly once."""

    __tablename__ = "feedback_notices"
    __table_args__ = (UniqueConstraint("change_id", "person_id", name="uq_feedback_notices_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)


class OutboxRow(Base):
    """One webhook delivery waiting to go (or gone): written with the change that causes it."""

    __tablename__ = "feedback_outbox"
    __table_args__ = (Index("ix_feedback_outbox_pending", "community", "delivered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    delivery_id: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class EndpointRow(Base):
    """The webhook endpoint's health per community: failures in a row, whether the admin was told."""

    __tablename__ = "feedback_endpoints"

    community: Mapped[str] = mapped_column(String(40), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditRow(Base):
    """A moderator looked up who sent an anonymous item (that look-up is itself logged)."""

    __tablename__ = "feedback_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    item_number: Mapped[int] = mapped_column(Integer)
    by_person: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
