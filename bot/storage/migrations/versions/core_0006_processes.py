"""Core tables for several processes on one database: who runs, events seen, events relayed.

Revision ID: core_0006
Revises: core_0005
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_processes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("partitions", sa.JSON, nullable=False),
        sa.Column("detail", sa.String(400), nullable=False),
        sa.Column("leader", sa.Boolean, nullable=False),
        sa.Column("scheduler_lag", sa.Float),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("seen_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "core_seen",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_core_seen_expires_at", "core_seen", ["expires_at"])
    op.create_table(
        "core_relay",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("event", sa.JSON, nullable=False),
        sa.Column("context", sa.JSON),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_core_relay_target", "core_relay", ["target"])
    with op.batch_alter_table("core_outbox") as batch:
        batch.add_column(sa.Column("owner", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("core_outbox") as batch:
        batch.drop_column("owner")
    op.drop_table("core_relay")
    op.drop_table("core_seen")
    op.drop_table("core_processes")
