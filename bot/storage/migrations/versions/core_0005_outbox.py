"""Core tables: the outbox of outgoing effects.

Revision ID: core_0005
Revises: core_0004
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("community", sa.String(40), nullable=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(120), nullable=False),
        sa.Column("action", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("not_before", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("result_channel", sa.String(120), nullable=True),
        sa.Column("result_message", sa.String(120), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("reported", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("key", name="uq_core_outbox_key"),
    )
    op.create_index("ix_core_outbox_status", "core_outbox", ["status", "platform"])


def downgrade() -> None:
    op.drop_index("ix_core_outbox_status", table_name="core_outbox")
    op.drop_table("core_outbox")
