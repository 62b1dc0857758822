"""Core tables: scheduled jobs.

Revision ID: core_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("community", sa.String(40), nullable=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("grace_seconds", sa.Integer, nullable=True),
        sa.Column("runner", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=True),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.UniqueConstraint("key", name="uq_core_jobs_key"),
    )
    op.create_index("ix_core_jobs_status_due", "core_jobs", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_core_jobs_status_due", table_name="core_jobs")
    op.drop_table("core_jobs")
