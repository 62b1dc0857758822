"""Feedback: items, votes, followers, changes, notices, the webhook outbox and the audit of look-ups.

Revision ID: feedback_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "feedback_0001"
down_revision = None
branch_labels = ("feedback",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=True),
        sa.Column("author_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("details", sa.Text, nullable=False, server_default=""),
        sa.Column("category", sa.String(30), nullable=False, server_default=""),
        sa.Column("tags", sa.String(300), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("link_platform", sa.String(20), nullable=True),
        sa.Column("link_channel", sa.String(64), nullable=True),
        sa.Column("link_message", sa.String(64), nullable=True),
        sa.Column("merged_into", sa.Integer, nullable=True),
        sa.Column("status_before_merge", sa.String(16), nullable=True),
        sa.Column("sentiment", sa.Float, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community", "number", name="uq_feedback_items_number"),
    )
    op.create_index("ix_feedback_items_status", "feedback_items", ["community", "status"])
    for table, unique in (("feedback_votes", "uq_feedback_votes_person"),
                          ("feedback_followers", "uq_feedback_followers_person")):
        extra = ([sa.Column("kind", sa.String(12), nullable=False, server_default="voted"),
                  sa.Column("at", UTCDateTime, nullable=False)] if table == "feedback_votes" else
                 [sa.Column("platform", sa.String(20), nullable=False),
                  sa.Column("user_id", sa.String(64), nullable=False)])
        op.create_table(
            table,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("item_id", sa.Integer, nullable=False),
            sa.Column("person_id", sa.Integer, nullable=False),
            sa.Column("origin", sa.Integer, nullable=True),
            *extra,
            sa.UniqueConstraint("item_id", "person_id", name=unique),
        )
        op.create_index(f"ix_{table}_item_id", table, ["item_id"])
    op.create_table(
        "feedback_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("by_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_feedback_changes_item_id", "feedback_changes", ["item_id"])
    op.create_table(
        "feedback_notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("change_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("change_id", "person_id", name="uq_feedback_notices_once"),
    )
    op.create_table(
        "feedback_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivered_at", UTCDateTime, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.UniqueConstraint("delivery_id", name="uq_feedback_outbox_delivery_id"),
    )
    op.create_index("ix_feedback_outbox_pending", "feedback_outbox", ["community", "delivered_at"])
    op.create_table(
        "feedback_endpoints",
        sa.Column("community", sa.String(40), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("alerted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("retry_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "feedback_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("item_number", sa.Integer, nullable=False),
        sa.Column("by_person", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("feedback_audit", "feedback_endpoints", "feedback_outbox", "feedback_notices", "feedback_changes",
                  "feedback_followers", "feedback_votes", "feedback_items"):
        op.drop_table(table)
