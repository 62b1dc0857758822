"""The bridge cog's table: which keyed outbox effect relayed which part of which message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base
from bot.storage.base import UTCDateTime


class RelayRow(Base):
    """One part of one message relayed to one platform; the copy's id is in the outbox under ``key``."""

    __tablename__ = "bridge_relays"
    __table_args__ = (Index("ix_bridge_relays_source", "community", "src_platform", "src_channel", "src_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    src_platform: Mapped[str] = mapped_column(String(20))
    src_channel: Mapped[str] = mapped_column(String(64))
    src_message: Mapped[str] = mapped_column(String(64))
    dst_platform: Mapped[str] = mapped_column(String(20))
    dst_channel: Mapped[str] = mapped_column(String(64))
    part: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
