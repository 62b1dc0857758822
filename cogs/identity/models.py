"""The identity cog's tables: open link codes, links made (and undone), and wrong codes entered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base
from bot.storage.base import UTCDateTime


class CodeRow(Base):
    """A link code an account asked for: only its hash is kept; used once, then marked."""

    __tablename__ = "identity_codes"
    __table_args__ = (UniqueConstraint("digest", name="uq_identity_codes_digest"),
                      Index("ix_identity_codes_account", "community", "platform", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LinkRow(Base):
    """Two accounts linked into one person: ``kept`` asked for the code, ``joined`` entered it."""

    __tablename__ = "identity_links"
    __table_args__ = (UniqueConstraint("community", "number", name="uq_identity_links_number"),
                      Index("ix_identity_links_person", "person_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    number: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kept_platform: Mapped[str] = mapped_column(String(20))
    kept_user: Mapped[str] = mapped_column(String(64))
    joined_platform: Mapped[str] = mapped_column(String(20))
    joined_user: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unlinked_by: Mapped[str | None] = mapped_column(String(90), nullable=True)  # "self" or platform:user


class MissRow(Base):
    """A wrong code an account entered (the guessing limit counts these)."""

    __tablename__ = "identity_misses"
    __table_args__ = (Index("ix_identity_misses_account", "community", "platform", "user_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
