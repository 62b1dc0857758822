"""Moderation: raid mode and channel settings survive a restart.

Revision ID: moderation_0002
Revises: moderation_0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "moderation_0002"
down_revision = "moderation_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moderation_raids",
        sa.Column("community", sa.String(40), primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("since", UTCDateTime, nullable=True),
        sa.Column("why", sa.Text, nullable=False, server_default=""),
        sa.Column("by_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("end_key", sa.String(80), nullable=True),
        sa.Column("ended_at", UTCDateTime, nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "moderation_raid_channels",
        sa.Column("community", sa.String(40), primary_key=True),
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("slowed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("prev_slowmode", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("prev_locked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "moderation_channels",
        sa.Column("community", sa.String(40), primary_key=True),
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("channel_id", sa.String(64), primary_key=True),
        sa.Column("slowmode", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("moderation_channels")
    op.drop_table("moderation_raid_channels")
    op.drop_table("moderation_raids")
