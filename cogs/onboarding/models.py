"""The onboarding cog's tables: each newcomer's place in the flow, and the greeters' roster."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base
from bot.storage.base import UTCDateTime

ACTIVE, HELD, DONE, LEFT, DENIED = "active", "held", "done", "left", "denied"


class MemberRow(Base):
    """One person's onboarding in one community: where they are, what they answered, the funnel times."""

    __tablename__ = "onboarding_members"
    __table_args__ = (UniqueConstraint("community", "person_id", name="uq_onboarding_members_person"),
                      Index("ix_onboarding_members_state", "community", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))  # the account they joined with: DMs reach it
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100), default="")
    number: Mapped[int] = mapped_column(Integer, default=0)  # {member_count}: their place among those welcomed
    generation: Mapped[int] = mapped_column(Integer, default=0)  # bumped on a restart: new follow-up keys
    state: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    done: Mapped[list[str]] = mapped_column(JSON, default=list)  # step names done
    answers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)  # question -> option ids
    welcomed: Mapped[str] = mapped_column(String(10), default="")  # "", "batched" (waits for the batch), "posted"
    buddy: Mapped[int | None] = mapped_column(Integer, nullable=True)  # person id of their buddy
    greeted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    active_after_day: Mapped[bool] = mapped_column(Boolean, default=False)  # posted after their first day


class GreeterRow(Base):
    """A greeter who signed up to welcome newcomers (and be their buddy)."""

    __tablename__ = "onboarding_greeters"
    __table_args__ = (UniqueConstraint("community", "person_id", name="uq_onboarding_greeters_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    away: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # round-robin order
