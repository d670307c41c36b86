"""history indexes: health-page queries that read only their window as runs and follower history grow

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

collection_runs gains 96 rows a day per campaign and author_followers one row per author per day
seen, forever. Without these indexes the collection-gap, last-success and API-usage queries scan
the whole history; bench/bench_dashboard_scale.py measures them at 100k, 1M and 5M posts.
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_collection_runs_campaign_kind_status_started", "collection_runs",
                    ["campaign", "kind", "status", "started_at"], unique=False)
    op.create_index("ix_collection_runs_started_at", "collection_runs", ["started_at"], unique=False)
    op.create_index("ix_author_followers_observed_on", "author_followers", ["observed_on"], unique=False)
    # Planner statistics for the new indexes at once (same statement on SQLite and PostgreSQL):
    # without them SQLite took the new 4-column index for "a campaign's last runs by id" and sorted
    # every run of the campaign (0.6 -> 36 ms on 43,000 runs) instead of walking ix_collection_runs_campaign.
    op.execute("ANALYZE collection_runs")
    op.execute("ANALYZE author_followers")


def downgrade() -> None:
    op.drop_index("ix_author_followers_observed_on", table_name="author_followers")
    op.drop_index("ix_collection_runs_started_at", table_name="collection_runs")
    op.drop_index("ix_collection_runs_campaign_kind_status_started", table_name="collection_runs")
