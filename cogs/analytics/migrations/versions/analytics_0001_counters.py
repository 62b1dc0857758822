"""Analytics: activity counters, joins/leaves with their source, invite campaigns.

Revision ID: analytics_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "analytics_0001"
down_revision = None
branch_labels = ("analytics",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_activity",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
        sa.Column("ts", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("channel", sa.String(100), nullable=False, server_default=""),
        sa.Column("messages", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reactions_given", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reactions_received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("mentions", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_analytics_activity_day", "analytics_activity",
                    ["community", "day", "person_id", "messages", "replies", "reactions_given", "reactions_received",
                     "mentions"])
    op.create_index("ix_analytics_activity_person", "analytics_activity",
                    ["community", "person_id", "day", "ts", "messages", "replies", "reactions_received"])
    op.create_index("ix_analytics_activity_channel", "analytics_activity",
                    ["community", "channel", "day", "person_id", "messages"])
    op.create_table(
        "analytics_members",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
        sa.Column("ts", sa.Integer, nullable=False),
        sa.Column("source", sa.String(60), nullable=True),
    )
    op.create_index("ix_analytics_members_kind", "analytics_members", ["community", "kind", "day"])
    op.create_index("ix_analytics_members_person", "analytics_members", ["community", "person_id", "kind"])
    op.create_table(
        "analytics_campaigns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("url", sa.String(200), nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community", "name", "platform", name="uq_analytics_campaigns_name"),
    )


def downgrade() -> None:
    op.drop_table("analytics_campaigns")
    op.drop_table("analytics_members")
    op.drop_table("analytics_activity")
