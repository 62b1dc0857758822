"""Bridge: the relayed parts of each message.

Revision ID: bridge_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "bridge_0001"
down_revision = None
branch_labels = ("bridge",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bridge_relays",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("src_platform", sa.String(20), nullable=False),
        sa.Column("src_channel", sa.String(64), nullable=False),
        sa.Column("src_message", sa.String(64), nullable=False),
        sa.Column("dst_platform", sa.String(20), nullable=False),
        sa.Column("dst_channel", sa.String(64), nullable=False),
        sa.Column("part", sa.Integer, nullable=False),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_bridge_relays_source", "bridge_relays", ["community", "src_platform", "src_channel",
                                                                 "src_message"])


def downgrade() -> None:
    op.drop_table("bridge_relays")
