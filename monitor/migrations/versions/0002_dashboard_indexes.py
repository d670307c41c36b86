"""dashboard indexes: one covering index for the per-period aggregates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Every dashboard figure reads the posts of a UK date range and only these columns. With all of them
in one index the database answers from the index alone (SQLite: COVERING INDEX; PostgreSQL:
index-only scan) instead of fetching each post's full row, whose `raw` JSON makes it ~1 KB.
bench/bench_dashboard.py measures the difference on 1,000,000 posts.
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COVERED = ["created_date_uk", "region", "branch", "author_id", "kind", "author_followers", "impression_count",
           "like_count", "repost_count", "reply_count", "quote_count", "bookmark_count", "created_hour_uk", "id"]


def upgrade() -> None:
    op.create_index("ix_posts_dashboard", "posts", COVERED, unique=False)


def downgrade() -> None:
    op.drop_index("ix_posts_dashboard", table_name="posts")
