"""Events: events, RSVPs per occurrence, reminder deliveries, personal reminders.

Revision ID: events_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "events_0001"
down_revision = None
branch_labels = ("events",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("place", sa.String(300), nullable=False, server_default=""),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("start", UTCDateTime, nullable=False),
        sa.Column("duration_s", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(300), nullable=True),
        sa.Column("cancelled", sa.JSON, nullable=False),
        sa.Column("moves", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=True),
        sa.Column("offsets", sa.JSON, nullable=False),
        sa.Column("state", sa.String(12), nullable=False, server_default="open"),
        sa.Column("creator", sa.Integer, nullable=False),
        sa.Column("cards", sa.JSON, nullable=False),
        sa.Column("native", sa.String(64), nullable=False, server_default=""),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sequence", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community", "number", name="uq_events_events_number"),
    )
    op.create_table(
        "events_rsvps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("occurrence", UTCDateTime, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("standing", sa.String(12), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("attended", sa.String(8), nullable=False, server_default=""),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("event_id", "occurrence", "person_id", name="uq_events_rsvps_person"),
    )
    op.create_index("ix_events_rsvps_person", "events_rsvps", ["person_id"])
    op.create_table(
        "events_deliveries",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "events_personal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("next_at", UTCDateTime, nullable=False),
        sa.Column("rule", sa.String(200), nullable=True),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_events_personal_person", "events_personal", ["community", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_events_personal_person", table_name="events_personal")
    op.drop_table("events_personal")
    op.drop_table("events_deliveries")
    op.drop_index("ix_events_rsvps_person", table_name="events_rsvps")
    op.drop_table("events_rsvps")
    op.drop_table("events_events")
