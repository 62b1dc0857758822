"""Slack adapter tables: installations, bots and OAuth states (slack-sdk's layout).

Token columns are Text rather than slack-sdk's String(200): they hold Fernet ciphertext,
which is longer than the token.

Revision ID: slack_0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "slack_0001"
down_revision = None
branch_labels = ("slack",)
depends_on = None



def _common(with_user: bool) -> list[Any]:
    cols: list[Any] = [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
    ]
    if with_user:
        cols.append(sa.Column("enterprise_url", sa.String(200)))
    cols += [
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.Text),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.Text),
        sa.Column("bot_token_expires_at", sa.DateTime),
    ]
    if with_user:
        cols += [
            sa.Column("user_id", sa.String(32), nullable=False),
            sa.Column("user_token", sa.Text),
            sa.Column("user_scopes", sa.String(1000)),
            sa.Column("user_refresh_token", sa.Text),
            sa.Column("user_token_expires_at", sa.DateTime),
            sa.Column("incoming_webhook_url", sa.Text),
            sa.Column("incoming_webhook_channel", sa.String(200)),
            sa.Column("incoming_webhook_channel_id", sa.String(200)),
            sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        ]
    cols += [
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False, server_default=sa.false()),
    ]
    if with_user:
        cols.append(sa.Column("token_type", sa.String(32)))
    cols.append(sa.Column("installed_at", sa.DateTime, nullable=False, server_default=sa.func.now()))
    return cols


def upgrade() -> None:
    op.create_table("slack_installations", *_common(with_user=True))
    op.create_index("slack_installations_idx", "slack_installations",
                    ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"])
    op.create_table("slack_bots", *_common(with_user=False))
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
