"""The outbox: an entry may follow another one (a case's DM after its timeout, its mod-log post after both).

Revision ID: core_0007
Revises: core_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_outbox") as batch:
        batch.add_column(sa.Column("after", sa.String(200)))
        batch.add_column(sa.Column("if_not", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("core_outbox") as batch:
        batch.drop_column("if_not")
        batch.drop_column("after")
