"""summary tables: per campaign x UK day (and hour) x author x region x branch, filled from posts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

The dashboard's per-period figures aggregated every post of the window per author, probing
post_matches for each: 0.4-2 s for a 30-day view of 1M posts on SQLite. summary_days and
summary_hours hold those per-author slices (monitor/summary.py keeps them in step with posts);
they are filled here from the posts already stored. ix_posts_author_day (author, UK day)
replaces ix_posts_author_id: it serves the same look-ups by author and the re-aggregation of one
author's day.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# One row per (campaign, post): a post matching two terms of a campaign counts once.
MATCHED = ("SELECT DISTINCT m.campaign AS campaign, p.id AS post_id, p.created_date_uk AS day, "
           "p.created_hour_uk AS hour, p.author_id AS author_id, p.region AS region, p.branch AS branch, "
           "p.kind AS kind, p.author_followers AS followers, p.impression_count AS impressions, "
           "p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count AS engagements "
           "FROM post_matches m JOIN posts p ON p.id = m.post_id")

FILL_DAYS = (
    "INSERT INTO summary_days (campaign, day, author_id, region, branch, posts, originals, replies, quotes, "
    "unknown_posts, min_followers, impressions, engagements, max_engagements) "
    "SELECT campaign, day, author_id, region, branch, COUNT(*), "
    "SUM(CASE WHEN kind = 'original' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'reply' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN kind = 'quote' THEN 1 ELSE 0 END), SUM(CASE WHEN region = 'Unknown' THEN 1 ELSE 0 END), "
    "MIN(followers), SUM(impressions), SUM(engagements), MAX(engagements) "
    f"FROM ({MATCHED}) matched GROUP BY campaign, day, author_id, region, branch")

FILL_HOURS = (
    "INSERT INTO summary_hours (campaign, day, hour, author_id, region, branch, posts, min_followers) "
    "SELECT campaign, day, hour, author_id, region, branch, COUNT(*), MIN(followers) "
    f"FROM ({MATCHED}) matched GROUP BY campaign, day, hour, author_id, region, branch")


def _id_column():
    # BIGINT identity on PostgreSQL (slices are deleted and inserted again all the time); on SQLite
    # INTEGER PRIMARY KEY, the rowid.
    return sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False)


def _slice_columns():
    return [sa.Column('campaign', sa.String(length=100), nullable=False),
            sa.Column('day', sa.Date(), nullable=False),
            sa.Column('author_id', sa.String(length=24), nullable=True),
            sa.Column('region', sa.String(length=40), nullable=False),
            sa.Column('branch', sa.String(length=80), nullable=True),
            sa.Column('posts', sa.Integer(), nullable=False),
            sa.Column('min_followers', sa.BigInteger(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        'summary_days', _id_column(), *_slice_columns(),
        sa.Column('originals', sa.Integer(), nullable=False),
        sa.Column('replies', sa.Integer(), nullable=False),
        sa.Column('quotes', sa.Integer(), nullable=False),
        sa.Column('unknown_posts', sa.Integer(), nullable=False),
        sa.Column('impressions', sa.BigInteger(), nullable=False),
        sa.Column('engagements', sa.BigInteger(), nullable=False),
        sa.Column('max_engagements', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'summary_hours', _id_column(), *_slice_columns(),
        sa.Column('hour', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.execute(FILL_DAYS)
    op.execute(FILL_HOURS)
    # Indexes after the fill: one sorted build instead of a B-tree insert per row.
    op.create_index('ix_summary_days_read', 'summary_days',
                    ['campaign', 'day', 'author_id', 'region', 'branch', 'posts', 'originals', 'replies', 'quotes',
                     'unknown_posts', 'min_followers', 'impressions', 'engagements', 'max_engagements'], unique=False)
    op.create_index('ix_summary_days_author_day', 'summary_days', ['author_id', 'day'], unique=False)
    op.create_index('ix_summary_hours_read', 'summary_hours',
                    ['campaign', 'day', 'hour', 'author_id', 'region', 'branch', 'posts', 'min_followers'],
                    unique=False)
    op.create_index('ix_summary_hours_author_day', 'summary_hours', ['author_id', 'day'], unique=False)
    op.create_index('ix_posts_author_day', 'posts', ['author_id', 'created_date_uk'], unique=False)
    op.drop_index('ix_posts_author_id', table_name='posts')
    op.execute("ANALYZE summary_days")
    op.execute("ANALYZE summary_hours")
    op.execute("ANALYZE posts")


def downgrade() -> None:
    op.create_index('ix_posts_author_id', 'posts', ['author_id'], unique=False)
    op.drop_index('ix_posts_author_day', table_name='posts')
    op.drop_table('summary_hours')
    op.drop_table('summary_days')
