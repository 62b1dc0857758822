"""Engagement: prompt rotation and posts, polls and votes, questions, term counts, kudos, announcements.

Revision ID: engagement_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.base import UTCDateTime

revision = "engagement_0001"
down_revision = None
branch_labels = ("engagement",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "engagement_rotation",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("schedule", sa.String(40), nullable=False),
        sa.Column("round", sa.Integer, nullable=False, server_default="0"),
        sa.Column("used", sa.JSON, nullable=False),
        sa.Column("last", sa.String(16), nullable=False, server_default=""),
        sa.UniqueConstraint("community", "schedule", name="uq_engagement_rotation"),
    )
    op.create_table(
        "engagement_prompt_posts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("schedule", sa.String(40), nullable=False),
        sa.Column("prompt", sa.String(16), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("occurrence", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("thread", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("outbox_key", sa.String(200), nullable=False),
        sa.Column("message", sa.String(120), nullable=False, server_default=""),
        sa.Column("thread_channel", sa.String(120), nullable=False, server_default=""),
        sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
        sa.Column("posted_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community", "occurrence", "platform", name="uq_engagement_prompt_posts"),
    )
    op.create_index("ix_engagement_prompt_posts_channel", "engagement_prompt_posts",
                    ["community", "platform", "channel"])
    op.create_table(
        "engagement_polls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("question", sa.String(400), nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("multiple", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("creator", sa.Integer, nullable=True),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("cards", sa.JSON, nullable=False),
        sa.Column("card_keys", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("opened_at", UTCDateTime, nullable=False),
        sa.Column("closes_at", UTCDateTime, nullable=False),
        sa.Column("closed_at", UTCDateTime, nullable=True),
        sa.Column("source", sa.String(200), nullable=False, server_default=""),
        sa.UniqueConstraint("community", "number", name="uq_engagement_polls_number"),
    )
    op.create_table(
        "engagement_votes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("poll_id", sa.Integer, nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("option", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("poll_id", "person_id", "option", name="uq_engagement_votes"),
    )
    op.create_index("ix_engagement_votes_person", "engagement_votes", ["person_id"])
    op.create_table(
        "engagement_questions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("message", sa.String(120), nullable=False),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("asked_at", UTCDateTime, nullable=False),
        sa.Column("answered_at", UTCDateTime, nullable=True),
        sa.Column("answered_by", sa.Integer, nullable=True),
        sa.Column("pinged_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("community", "platform", "message", name="uq_engagement_questions"),
    )
    op.create_index("ix_engagement_questions_open", "engagement_questions",
                    ["community", "platform", "channel", "answered_at"])
    op.create_table(
        "engagement_terms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("term", sa.String(80), nullable=False),
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("community", "day", "term", name="uq_engagement_terms"),
    )
    op.create_table(
        "engagement_kudos",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("giver", sa.Integer, nullable=False),
        sa.Column("receiver", sa.Integer, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("reason", sa.String(300), nullable=False, server_default=""),
        sa.Column("source", sa.String(12), nullable=False, server_default="command"),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_engagement_kudos_to", "engagement_kudos", ["community", "receiver", "at"])
    op.create_index("ix_engagement_kudos_from", "engagement_kudos", ["community", "giver", "at"])
    op.create_table(
        "engagement_announcements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.Integer, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("community", "number", name="uq_engagement_announcements_number"),
    )


def downgrade() -> None:
    op.drop_table("engagement_announcements")
    op.drop_index("ix_engagement_kudos_from", table_name="engagement_kudos")
    op.drop_index("ix_engagement_kudos_to", table_name="engagement_kudos")
    op.drop_table("engagement_kudos")
    op.drop_table("engagement_terms")
    op.drop_index("ix_engagement_questions_open", table_name="engagement_questions")
    op.drop_table("engagement_questions")
    op.drop_index("ix_engagement_votes_person", table_name="engagement_votes")
    op.drop_table("engagement_votes")
    op.drop_table("engagement_polls")
    op.drop_index("ix_engagement_prompt_posts_channel", table_name="engagement_prompt_posts")
    op.drop_table("engagement_prompt_posts")
    op.drop_table("engagement_rotation")
