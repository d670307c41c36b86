"""collection_runs.interval_minutes: the polling interval the collector ran with

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

The health page said "runs every 15 minutes" (the dashboard's own config) while the demo's collector
polled every minute: the dashboard and the collector can run with different configs. Each search run
now records the interval of the collector that made it, and the status (stale, next run due) reads
the latest one. Runs made before this revision have none (NULL): the dashboard's config is used then.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds (and, from 3.35, drops) a column in place.
    op.add_column("collection_runs", sa.Column("interval_minutes", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("collection_runs", "interval_minutes")
