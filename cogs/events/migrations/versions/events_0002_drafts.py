"""Events: drafts kept between the create form and "Create it", so a restart in between loses nothing.

Revision ID: events_0002
Revises: events_0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "events_0002"
down_revision = "events_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events_drafts",
        sa.Column("person_id", sa.Integer, primary_key=True),
        sa.Column("community", sa.String(40), primary_key=True),
        sa.Column("draft", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("events_drafts")
