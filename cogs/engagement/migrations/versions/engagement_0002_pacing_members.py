"""Engagement: pacing slots, members (activity, joins, opt-out), and marks (answers and replies, durable).

Revision ID: engagement_0002
Revises: engagement_0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "engagement_0002"
down_revision = "engagement_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_slots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(240), nullable=False, unique=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engagement_slots_channel", "engagement_slots", ["community", "platform", "channel", "at"])
    op.create_table(
        "engagement_members",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("active_days", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_active", UTCDateTime, nullable=True),
        sa.Column("joined_at", UTCDateTime, nullable=True),
        sa.Column("left_at", UTCDateTime, nullable=True),
        sa.Column("nudged_at", UTCDateTime, nullable=True),
        sa.Column("opted_out", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("community", "person_id", name="uq_engagement_members"),
    )
    op.create_index("ix_engagement_members_quiet", "engagement_members", ["community", "last_active"])
    op.create_table(
        "engagement_marks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False, server_default=""),
        sa.Column("ref", sa.String(120), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False, server_default="0"),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engagement_marks_community", "engagement_marks", ["community", "id"])


def downgrade() -> None:
    op.drop_index("ix_engagement_marks_community", table_name="engagement_marks")
    op.drop_table("engagement_marks")
    op.drop_index("ix_engagement_members_quiet", table_name="engagement_members")
    op.drop_table("engagement_members")
    op.drop_index("ix_engagement_slots_channel", table_name="engagement_slots")
    op.drop_table("engagement_slots")
