"""posts on SQLite: the UK day's index also holds each post's text (and id), for the explorer's text search

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

"Text contains" reads the text of every post in the window: from the table, that is every wide row
(text, raw JSON, ...): 275,000 rows for 30 days of 1M posts, ~0.24 s of CPU. ix_posts_day_text
(created_date_uk, text, id) holds what it needs, a third of that. It replaces ix_posts_created_date_uk,
its prefix, so a stored post still writes one entry to it. SQLite only: PostgreSQL limits a B-tree
entry to ~2.7 kB, which a post's text can pass, and keeps ix_posts_created_date_uk.
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index("ix_posts_day_text", "posts", ["created_date_uk", "text", "id"], unique=False)
    op.drop_index("ix_posts_created_date_uk", table_name="posts")
    op.execute("ANALYZE posts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index("ix_posts_created_date_uk", "posts", ["created_date_uk"], unique=False)
    op.drop_index("ix_posts_day_text", table_name="posts")
