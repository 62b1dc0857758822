"""Moderation: cases are keyed by the core person, so a member's case file follows the person.

Every existing case keeps its row, number, points and appeal; each distinct account found in
the cases gets a person (or joins the one the core already has for it).

Revision ID: moderation_0003
Revises: moderation_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0003"
down_revision = "moderation_0002"
branch_labels = None
depends_on = "core_0002"


def upgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer, nullable=True))
    conn = op.get_bind()
    cases = sa.table("moderation_cases", sa.column("id"), sa.column("community"), sa.column("platform"),
                     sa.column("user_id"), sa.column("created_at"), sa.column("person_id"))
    persons = sa.table("core_persons", sa.column("id"), sa.column("community"), sa.column("created_at"))
    accounts = sa.table("core_accounts", sa.column("community"), sa.column("platform"), sa.column("user_id"),
                        sa.column("person_id"))
    owners = conn.execute(sa.select(cases.c.community, cases.c.platform, cases.c.user_id,
                                    sa.func.min(cases.c.created_at).label("first"))
                          .group_by(cases.c.community, cases.c.platform, cases.c.user_id)).all()
    for row in owners:
        pid = conn.execute(sa.select(accounts.c.person_id).where(
            accounts.c.community == row.community, accounts.c.platform == row.platform,
            accounts.c.user_id == row.user_id)).scalar()
        if pid is None:
            pid = conn.execute(persons.insert().values(community=row.community, created_at=row.first)
                               .returning(persons.c.id)).scalar_one()
            conn.execute(accounts.insert().values(community=row.community, platform=row.platform,
                                                  user_id=row.user_id, person_id=pid))
        conn.execute(cases.update().where(cases.c.community == row.community, cases.c.platform == row.platform,
                                          cases.c.user_id == row.user_id).values(person_id=pid))
    with op.batch_alter_table("moderation_cases") as batch:
        batch.alter_column("person_id", existing_type=sa.Integer, nullable=False)
        batch.create_index("ix_moderation_cases_person", ["community", "person_id"])


def downgrade() -> None:
    with op.batch_alter_table("moderation_cases") as batch:
        batch.drop_index("ix_moderation_cases_person")
        batch.drop_column("person_id")
