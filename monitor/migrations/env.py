"""Alembic environment: the engine comes from monitor.db (never from a committed ini file)."""
from functools import partial

from alembic import context

from monitor.models import Base, on_this_dialect

config = context.config
target_metadata = Base.metadata


def run_migrations(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=partial(on_this_dialect, dialect=connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


def run_migrations_online() -> None:
    # monitor.schema.upgrade passes the connection that holds its lock (advisory on PostgreSQL, an exclusive
    # transaction on SQLite); downgrade and tests pass only the engine.
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    with config.attributes["engine"].connect() as connection:
        run_migrations(connection)


run_migrations_online()
