"""Core tables: persons and the platform accounts each holds.

Revision ID: core_0002
Revises: core_0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_persons",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "core_accounts",
        sa.Column("community", sa.String(40), primary_key=True),
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("core_persons.id", ondelete="CASCADE",
                                                         name="fk_core_accounts_person_id_core_persons"),
                  nullable=False),
        sa.UniqueConstraint("person_id", "platform", name="uq_core_accounts_person_platform"),
    )


def downgrade() -> None:
    op.drop_table("core_accounts")
    op.drop_table("core_persons")
