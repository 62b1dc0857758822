"""Moderation: the case file.

Revision ID: moderation_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "moderation_0001"
down_revision = None
branch_labels = ("moderation",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "moderation_cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("actor_name", sa.String(100), nullable=True),
        sa.Column("rule", sa.String(60), nullable=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("evidence", sa.Text, nullable=True),
        sa.Column("points", sa.Integer, nullable=False, server_default="0"),
        sa.Column("state", sa.String(12), nullable=False, server_default="active"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("incident_at", UTCDateTime, nullable=True),
        sa.Column("expires_at", UTCDateTime, nullable=True),
        sa.Column("ended_at", UTCDateTime, nullable=True),
        sa.Column("ended_by", sa.String(100), nullable=True),
        sa.Column("channel_id", sa.String(64), nullable=True),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("modlog_channel", sa.String(64), nullable=True),
        sa.Column("modlog_message", sa.String(64), nullable=True),
        sa.Column("appeal_state", sa.String(12), nullable=True),
        sa.Column("appeal_text", sa.Text, nullable=True),
        sa.Column("appeal_at", UTCDateTime, nullable=True),
        sa.Column("appeal_by", sa.String(100), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.UniqueConstraint("community", "number", name="uq_moderation_cases_number"),
    )
    op.create_index("ix_moderation_cases_member", "moderation_cases", ["community", "platform", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_moderation_cases_member", table_name="moderation_cases")
    op.drop_table("moderation_cases")
