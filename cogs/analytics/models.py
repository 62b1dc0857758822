"""The analytics cog's tables: activity counters, joins and leaves with their source, campaigns.

No message content is ever stored: a row counts what a person did in a channel on a day.
``day`` is the community-local date as a day number (days since 1970-01-01), so every KPI's
date arithmetic is integer arithmetic, the same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, UniqueConstraint

from bot.storage.base import NAMING, UTCDateTime

metadata = MetaData(naming_convention=NAMING)

# One row per counted event (through the batching writer: appends only, never an update per
# message). A KPI sums them; ``person_id`` is None once the person asked to be forgotten.
activity = Table(
    "analytics_activity", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(40), nullable=False),
    Column("day", Integer, nullable=False),
    Column("ts", Integer, nullable=False),  # unix seconds, for times to a first message
    Column("person_id", Integer, nullable=True),
    Column("channel", String(100), nullable=False, server_default=""),
    Column("messages", Integer, nullable=False, server_default="0"),
    Column("replies", Integer, nullable=False, server_default="0"),
    Column("reactions_given", Integer, nullable=False, server_default="0"),
    Column("reactions_received", Integer, nullable=False, server_default="0"),
    Column("mentions", Integer, nullable=False, server_default="0"),
    # Covering indexes: each KPI reads one index in its own order and never the table (the report over a
    # million rows stays within its budget). Two, not three: each is one more b-tree insert per counted event,
    # so channel health reads the day index (which carries the channel) rather than an index of its own.
    Index("ix_analytics_activity_day", "community", "day", "person_id", "channel", "messages", "replies",
          "reactions_given", "reactions_received", "mentions"),
    Index("ix_analytics_activity_person", "community", "person_id", "day", "ts", "messages", "replies",
          "reactions_received"),
)

# Joins, leaves and where a member came from (``kind``: join, leave, source).
members = Table(
    "analytics_members", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(40), nullable=False),
    Column("person_id", Integer, nullable=True),
    Column("kind", String(8), nullable=False),
    Column("day", Integer, nullable=False),
    Column("ts", Integer, nullable=False),
    Column("source", String(60), nullable=True),  # invite:CODE, a campaign's name, an onboarding answer
    Index("ix_analytics_members_kind", "community", "kind", "day"),
    Index("ix_analytics_members_person", "community", "person_id", "kind"),
)

# Named invite campaigns (``/invite create NAME``); ``code`` is the platform invite when there is one.
campaigns = Table(
    "analytics_campaigns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("community", String(40), nullable=False),
    Column("name", String(40), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("code", String(40), nullable=True),
    Column("url", String(200), nullable=True),
    Column("created_by", Integer, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("community", "name", "platform", name="uq_analytics_campaigns_name"),
)


def unix(at: datetime) -> int:
    """Unix seconds of an aware time."""
    return int(at.timestamp())
