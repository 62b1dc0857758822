"""Alembic environment: runs on the connection Steward hands over (async engine, sync shim)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=connection.dialect.name == "sqlite",
    version_table="core_alembic_version",
    # Steward collects what each upgrade applied, so `steward db upgrade` can say it
    on_version_apply=context.config.attributes.get("on_version_apply"),
)
with context.begin_transaction():
    context.run_migrations()
