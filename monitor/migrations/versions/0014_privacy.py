"""privacy: removed posts, retention marks, and the record of people's requests

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02

A post deleted or made private on X, or erased on request, keeps a row with only what the figures need
(monitor.privacy): posts.removed_at says when, posts.anonymous_author stands in for its author in the
summary tables. Retention marks when it dropped a post's or an author's raw JSON (raw_dropped_at) and an
inactive author's profile (profile_removed_at); ix_posts_raw_kept holds the posts whose raw JSON is still
kept, by age, so the nightly job does not read every post. privacy_requests records each request with a
salted hash of the handle.

Posts flagged deleted or protected before this revision still hold their text: the next retention run
(nightly, or `campaign-monitor privacy retention`) removes them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

POST_COLUMNS = ("removed_at", "anonymous_author", "raw_dropped_at")
AUTHOR_COLUMNS = ("raw_dropped_at", "profile_removed_at")


def upgrade() -> None:
    # Not in batch mode: SQLite adds (and, from 3.35, drops) a column in place, where a batch copies the
    # table and loses what it cannot reflect (ix_authors_username_lower).
    op.add_column("posts", sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.add_column("posts", sa.Column("anonymous_author", sa.String(length=24), nullable=True))
    op.add_column("posts", sa.Column("raw_dropped_at", sa.DateTime(), nullable=True))
    op.add_column("authors", sa.Column("raw_dropped_at", sa.DateTime(), nullable=True))
    op.add_column("authors", sa.Column("profile_removed_at", sa.DateTime(), nullable=True))
    op.create_index("ix_posts_raw_kept", "posts", ["first_seen_at"], unique=False,
                    sqlite_where=sa.text("raw_dropped_at IS NULL"), postgresql_where=sa.text("raw_dropped_at IS NULL"))
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("handle_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("authors", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_privacy_requests_handle_hash", "privacy_requests", ["handle_hash"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_privacy_requests_handle_hash", table_name="privacy_requests")
    op.drop_table("privacy_requests")
    op.drop_index("ix_posts_raw_kept", table_name="posts")
    for name in AUTHOR_COLUMNS:
        op.drop_column("authors", name)
    for name in POST_COLUMNS:
        op.drop_column("posts", name)
