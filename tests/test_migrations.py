"""The Alembic revisions build exactly the schema the models describe, on both databases."""
from functools import partial

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.db import upgrade
from monitor.models import Base, on_this_dialect


def test_models_and_migrations_agree(engine):
    upgrade(engine)  # idempotent: a second upgrade changes nothing
    with engine.connect() as conn:
        only_here = partial(on_this_dialect, dialect=conn.dialect.name)  # indexes made on one dialect only
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": only_here}), Base.metadata)
    assert diff == [], f"models differ from migrations (write a new revision): {diff}"
