"""The engagement cog's tables: prompt rotation and posts, polls and votes, questions, terms, kudos, announcements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base
from bot.storage.base import UTCDateTime


class RotationRow(Base):
    """Where one prompt schedule's rotation stands (survives restarts and reloads)."""

    __tablename__ = "engagement_rotation"
    __table_args__ = (UniqueConstraint("community", "schedule", name="uq_engagement_rotation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    schedule: Mapped[str] = mapped_column(String(40))
    round: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[list[str]] = mapped_column(JSON, default=list)  # prompt ids used this round
    last: Mapped[str] = mapped_column(String(16), default="")


class PromptPostRow(Base):
    """One posted prompt on one platform, with the replies counted for it (no message text)."""

    __tablename__ = "engagement_prompt_posts"
    __table_args__ = (UniqueConstraint("community", "occurrence", "platform", name="uq_engagement_prompt_posts"),
                      Index("ix_engagement_prompt_posts_channel", "community", "platform", "channel"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    schedule: Mapped[str] = mapped_column(String(40))
    prompt: Mapped[str] = mapped_column(String(16))  # the prompt's id (hash of its text)
    label: Mapped[str] = mapped_column(String(80))  # the prompt's first words, for /engagement prompts
    occurrence: Mapped[str] = mapped_column(String(200))  # the calendar key
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(64))
    thread: Mapped[bool] = mapped_column(Boolean, default=False)
    outbox_key: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(120), default="")  # resolved from the outbox once delivered
    thread_channel: Mapped[str] = mapped_column(String(120), default="")
    replies: Mapped[int] = mapped_column(Integer, default=0)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollRow(Base):
    """A poll, numbered per community; ``cards`` maps platform -> [channel, message] once resolved."""

    __tablename__ = "engagement_polls"
    __table_args__ = (UniqueConstraint("community", "number", name="uq_engagement_polls_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(400))
    options: Mapped[list[str]] = mapped_column(JSON)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    creator: Mapped[int | None] = mapped_column(Integer, nullable=True)  # person id; None for a recurring poll
    channel: Mapped[str] = mapped_column(String(100))  # the configured #name, or the channel it was asked in
    cards: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    card_keys: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # platform -> outbox key of the card
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped on every change: each card edit's key
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    source: Mapped[str] = mapped_column(String(200), default="")  # a recurring poll's occurrence key


class VoteRow(Base):
    """One person's vote for one option of a poll."""

    __tablename__ = "engagement_votes"
    __table_args__ = (UniqueConstraint("poll_id", "person_id", "option", name="uq_engagement_votes"),
                      Index("ix_engagement_votes_person", "person_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    poll_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    option: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuestionRow(Base):
    """A question asked in a watched channel: when, by whom, and when it was first answered (no text)."""

    __tablename__ = "engagement_questions"
    __table_args__ = (UniqueConstraint("community", "platform", "message", name="uq_engagement_questions"),
                      Index("ix_engagement_questions_open", "community", "platform", "channel", "answered_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(120))
    person_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pinged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TermRow(Base):
    """How many messages of one local day used a word or phrase (counts only, never the messages)."""

    __tablename__ = "engagement_terms"
    __table_args__ = (UniqueConstraint("community", "day", "term", name="uq_engagement_terms"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the community's zone
    term: Mapped[str] = mapped_column(String(80))
    count: Mapped[int] = mapped_column(Integer, default=0)


class KudosRow(Base):
    """One thank-you from one person to another."""

    __tablename__ = "engagement_kudos"
    __table_args__ = (Index("ix_engagement_kudos_to", "community", "receiver", "at"),
                      Index("ix_engagement_kudos_from", "community", "giver", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    giver: Mapped[int] = mapped_column(Integer)
    receiver: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))  # the receiver's account the kudos named
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(12), default="command")  # command | thanks
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnnouncementRow(Base):
    """An announcement, numbered per community: pending until it goes out, editable and cancellable until then."""

    __tablename__ = "engagement_announcements"
    __table_args__ = (UniqueConstraint("community", "number", name="uq_engagement_announcements_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(100))  # "#name"
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SlotRow(Base):
    """When one of this cog's posts goes (or went) out in a channel: what the gap between posts is kept from."""

    __tablename__ = "engagement_slots"
    __table_args__ = (Index("ix_engagement_slots_channel", "community", "platform", "channel", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(240), unique=True)
    community: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberRow(Base):
    """A person as this cog sees them: when they joined, how active they were, their last DM and opt-out."""

    __tablename__ = "engagement_members"
    __table_args__ = (UniqueConstraint("community", "person_id", name="uq_engagement_members"),
                      Index("ix_engagement_members_quiet", "community", "last_active"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))  # the account last seen (where a DM goes)
    user_id: Mapped[str] = mapped_column(String(64))
    active_days: Mapped[int] = mapped_column(Integer, default=0)  # local days with a message
    last_active: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)


class MarkRow(Base):
    """An answer to a question or a reply to a prompt, written through the batching writer within a second,
    folded into the question or the post's count later (so a crash loses neither)."""

    __tablename__ = "engagement_marks"
    __table_args__ = (Index("ix_engagement_marks_community", "community", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(8))  # answer | reply | seen (a member's first message of a day)
    platform: Mapped[str] = mapped_column(String(20), default="")
    ref: Mapped[str] = mapped_column(String(120))  # the question's message id, or the prompt post's id
    person_id: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
