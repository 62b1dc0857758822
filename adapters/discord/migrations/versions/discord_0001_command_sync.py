"""Discord adapter: the hash of the slash commands last published per guild.

Revision ID: discord_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "discord_0001"
down_revision = None
branch_labels = ("discord",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discord_command_sync",
        sa.Column("application_id", sa.String(24), primary_key=True),
        sa.Column("guild_id", sa.String(24), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("synced_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("discord_command_sync")
