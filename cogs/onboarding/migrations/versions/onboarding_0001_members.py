"""Onboarding: each newcomer's place in the flow, and the greeters' roster.

Revision ID: onboarding_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "onboarding_0001"
down_revision = None
branch_labels = ("onboarding",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "onboarding_members",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("number", sa.Integer, nullable=False, server_default="0"),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("state", sa.String(10), nullable=False, server_default="active"),
        sa.Column("done", sa.JSON, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("welcomed", sa.String(10), nullable=False, server_default=""),
        sa.Column("buddy", sa.Integer, nullable=True),
        sa.Column("greeted_by", sa.Integer, nullable=True),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.Column("completed_at", UTCDateTime, nullable=True),
        sa.Column("first_message_at", UTCDateTime, nullable=True),
        sa.Column("active_after_day", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("community", "person_id", name="uq_onboarding_members_person"),
    )
    op.create_index("ix_onboarding_members_state", "onboarding_members", ["community", "state"])
    op.create_table(
        "onboarding_greeters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("away", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("assigned_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("community", "person_id", name="uq_onboarding_greeters_person"),
    )


def downgrade() -> None:
    op.drop_table("onboarding_greeters")
    op.drop_index("ix_onboarding_members_state", "onboarding_members")
    op.drop_table("onboarding_members")
