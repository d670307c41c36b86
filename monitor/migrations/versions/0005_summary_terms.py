"""summary_terms: posts per hashtag and mention of each campaign x UK day x author x region x branch

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

The hashtag and mention charts count posts and unique authors per term over the window: from
posts that was every post x term of the window with a probe of post_matches each (1.3 s for the
30-day overview of 1M posts on SQLite). summary_terms holds one row per slice and term (the
slices of summary_days, monitor/summary.py keeps it in step); filled here from the posts stored.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# One row per (campaign, post): a post matching two terms of a campaign counts once.
MATCHED = ("SELECT DISTINCT m.campaign AS campaign, p.id AS post_id, p.created_date_uk AS day, "
           "p.author_id AS author_id, p.region AS region, p.branch AS branch "
           "FROM post_matches m JOIN posts p ON p.id = m.post_id")

# post_hashtags and post_mentions hold a term once per post: COUNT(*) counts posts.
FILL_TERMS = (
    "INSERT INTO summary_terms (campaign, day, kind, term, author_id, region, branch, posts) "
    "SELECT matched.campaign, matched.day, '{kind}', t.{column}, matched.author_id, matched.region, matched.branch, "
    f"COUNT(*) FROM ({MATCHED}) matched JOIN {{table}} t ON t.post_id = matched.post_id "
    "GROUP BY matched.campaign, matched.day, t.{column}, matched.author_id, matched.region, matched.branch")


def upgrade() -> None:
    op.create_table(
        'summary_terms',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column('campaign', sa.String(length=100), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('term', sa.String(length=160), nullable=False),
        sa.Column('author_id', sa.String(length=24), nullable=True),
        sa.Column('region', sa.String(length=40), nullable=False),
        sa.Column('branch', sa.String(length=80), nullable=True),
        sa.Column('posts', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.execute(FILL_TERMS.format(kind="hashtag", column="tag", table="post_hashtags"))
    op.execute(FILL_TERMS.format(kind="mention", column="username", table="post_mentions"))
    # Indexes after the fill: one sorted build instead of a B-tree insert per row.
    op.create_index('ix_summary_terms_read', 'summary_terms',
                    ['campaign', 'kind', 'day', 'region', 'branch', 'term', 'author_id', 'posts'], unique=False)
    op.create_index('ix_summary_terms_author_day', 'summary_terms', ['author_id', 'day'], unique=False)
    op.execute("ANALYZE summary_terms")


def downgrade() -> None:
    op.drop_table('summary_terms')
