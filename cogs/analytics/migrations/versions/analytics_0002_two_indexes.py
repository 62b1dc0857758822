"""Analytics: the activity counters keep two covering indexes instead of three (the day index carries the
channel, so channel health reads it and the channel index goes): one index fewer to maintain per counted event.

Revision ID: analytics_0002
Revises: analytics_0001
"""

from alembic import op

revision = "analytics_0002"
down_revision = "analytics_0001"
branch_labels = None
depends_on = None

DAY = ["community", "day", "person_id", "messages", "replies", "reactions_given", "reactions_received", "mentions"]


def upgrade() -> None:
    op.drop_index("ix_analytics_activity_channel", table_name="analytics_activity")
    op.drop_index("ix_analytics_activity_day", table_name="analytics_activity")
    op.create_index("ix_analytics_activity_day", "analytics_activity",
                    ["community", "day", "person_id", "channel", *DAY[3:]])


def downgrade() -> None:
    op.drop_index("ix_analytics_activity_day", table_name="analytics_activity")
    op.create_index("ix_analytics_activity_day", "analytics_activity", DAY)
    op.create_index("ix_analytics_activity_channel", "analytics_activity",
                    ["community", "channel", "day", "person_id", "messages"])
