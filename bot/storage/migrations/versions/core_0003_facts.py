"""Core tables: the durable facts log.

Revision ID: core_0003
Revises: core_0002
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "core_0003"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_facts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_core_facts_community_kind_at", "core_facts", ["community", "kind", "at"])
    op.create_index("ix_core_facts_person", "core_facts", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_core_facts_person", table_name="core_facts")
    op.drop_index("ix_core_facts_community_kind_at", table_name="core_facts")
    op.drop_table("core_facts")
