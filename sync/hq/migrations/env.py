"""Alembic environment of head office: runs on the connection handed over by ``sync.hq.db``."""

from alembic import context

from sync.hq.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite",
                  version_table="hq_alembic_version")
with context.begin_transaction():
    context.run_migrations()
