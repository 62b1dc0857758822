"""Core tables: member preferences (time zone, DMs, language).

Revision ID: core_0004
Revises: core_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_preferences",
        sa.Column("person_id", sa.Integer, sa.ForeignKey("core_persons.id", ondelete="CASCADE",
                                                         name="fk_core_preferences_person_id_core_persons"),
                  primary_key=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("dms", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("language", sa.String(16), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("core_preferences")
