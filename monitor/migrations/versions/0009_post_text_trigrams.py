"""posts on PostgreSQL: a trigram index on the text, for the explorer's "text contains" search

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

ILIKE '%words%' read the text of every post in the window: 290 ms for 30 days of 1M posts, whatever
the words. A GIN index of the text's trigrams (pg_trgm) finds the posts holding them first: 26-45 ms
for a rare text; a common word still counts every match (bench/HISTORY.md). It costs 88 MB on 1M posts
(the table is 868 MB). pg_trgm ships with PostgreSQL (Debian's postgresql package) and is a trusted
extension: a user who may create objects in the database (its owner) can add it, no superuser.
SQLite is unchanged (its text search reads ix_posts_day_text, migration 0008).
"""
from alembic import op
from sqlalchemy import text

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
    if not available:
        raise RuntimeError(
            "migration 0009 needs PostgreSQL's pg_trgm extension, which this server does not have: "
            "install the server's contrib modules (Debian: the postgresql package has them) and run "
            "`campaign-monitor db upgrade` again")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_posts_text_trgm", "posts", ["text"], postgresql_using="gin",
                    postgresql_ops={"text": "gin_trgm_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_posts_text_trgm", table_name="posts")  # pg_trgm stays: other objects may use it
