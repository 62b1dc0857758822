"""Discord adapter: a channel's permission overwrites from before Steward locked it.

Revision ID: discord_0002
Revises: discord_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "discord_0002"
down_revision = "discord_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discord_channel_lock",
        sa.Column("channel_id", sa.String(24), primary_key=True),
        sa.Column("target_id", sa.String(24), primary_key=True),
        sa.Column("kind", sa.Integer, nullable=False),
        sa.Column("allow", sa.String(24), nullable=True),
        sa.Column("deny", sa.String(24), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("discord_channel_lock")
