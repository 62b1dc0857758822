"""Identity: link codes (hashed), links, wrong codes entered.

Revision ID: identity_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "identity_0001"
down_revision = None
branch_labels = ("identity",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("digest", name="uq_identity_codes_digest"),
    )
    op.create_index("ix_identity_codes_account", "identity_codes", ["community", "platform", "user_id"])
    op.create_table(
        "identity_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("kept_platform", sa.String(20), nullable=False),
        sa.Column("kept_user", sa.String(64), nullable=False),
        sa.Column("joined_platform", sa.String(20), nullable=False),
        sa.Column("joined_user", sa.String(64), nullable=False),
        sa.Column("linked_at", UTCDateTime, nullable=False),
        sa.Column("unlinked_at", UTCDateTime, nullable=True),
        sa.Column("unlinked_by", sa.String(90), nullable=True),
        sa.UniqueConstraint("community", "number", name="uq_identity_links_number"),
    )
    op.create_index("ix_identity_links_person", "identity_links", ["person_id"])
    op.create_table(
        "identity_misses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_identity_misses_account", "identity_misses", ["community", "platform", "user_id", "at"])


def downgrade() -> None:
    op.drop_table("identity_misses")
    op.drop_table("identity_links")
    op.drop_table("identity_codes")
