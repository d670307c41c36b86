"""The Alembic revisions build exactly the schema the models describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.db import upgrade
from monitor.models import Base


def test_models_and_migrations_agree(engine):
    upgrade(engine)  # idempotent: a second upgrade changes nothing
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models differ from migrations (write a new revision): {diff}"
