"""networks: posts, authors, runs, cursors and summary slices carry their network (X, Bluesky, Mastodon)

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-01

Every stored row is X's: `network` is added with the default 'x', so nothing is rewritten (both
databases add a column with a constant default without touching the rows). posts.id and authors.id
stay the ids every table refers to, X's exactly as they were; the other networks' rows get a prefixed
digest id (monitor.networks) and keep their native id (an AT or ActivityPub URI) in `native_id`,
unique per network by a partial index that holds no X row, so it is built at no cost.

The summary slices gain the network in their key, so per-network figures stay sums of slices: their
unique and read indexes are built again with it (the only step that reads every summary row).
search_cursors is keyed by (network, campaign, query): a new primary key, which SQLite can only get
by copying the table (a few rows: one per query).
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

NATIVE = "native_id IS NOT NULL"

# table -> (old read index columns, new read index columns, old slice key, new slice key)
SUMMARIES = {
    'summary_days': (
        ['campaign', 'day', 'author_id', 'region', 'branch', 'posts', 'originals', 'replies', 'quotes',
         'unknown_posts', 'min_followers', 'impressions', 'engagements', 'max_engagements'],
        ['campaign', 'day', 'network', 'author_id', 'region', 'branch', 'posts', 'originals', 'replies', 'quotes',
         'unknown_posts', 'min_followers', 'impressions', 'engagements', 'max_engagements'],
        ('campaign', 'day', 'author_id', 'region', 'branch'),
        ('campaign', 'day', 'network', 'author_id', 'region', 'branch')),
    'summary_hours': (
        ['campaign', 'day', 'hour', 'author_id', 'region', 'branch', 'posts', 'min_followers'],
        ['campaign', 'day', 'hour', 'network', 'author_id', 'region', 'branch', 'posts', 'min_followers'],
        ('campaign', 'day', 'hour', 'author_id', 'region', 'branch'),
        ('campaign', 'day', 'hour', 'network', 'author_id', 'region', 'branch')),
    'summary_terms': (
        ['campaign', 'kind', 'day', 'region', 'branch', 'term', 'author_id', 'posts'],
        ['campaign', 'kind', 'day', 'network', 'region', 'branch', 'term', 'author_id', 'posts'],
        ('campaign', 'day', 'kind', 'term', 'author_id', 'region', 'branch'),
        ('campaign', 'day', 'network', 'kind', 'term', 'author_id', 'region', 'branch')),
}
NULLABLE = ('author_id', 'branch')


def _key_sql(key) -> list:
    return [sa.text(f"COALESCE({c}, '')" if c in NULLABLE else c) for c in key]


def _network_column():
    return sa.Column('network', sa.String(length=10), server_default='x', nullable=False)


def upgrade() -> None:
    # Not in batch mode: SQLite adds a column in place, where a batch would copy the 1M-row tables.
    for table in ('posts', 'authors'):
        op.add_column(table, _network_column())
        op.add_column(table, sa.Column('native_id', sa.Text(), nullable=True))
        op.add_column(table, sa.Column('url', sa.Text(), nullable=True))
        op.create_index(f'ux_{table}_network_native_id', table, ['network', 'native_id'], unique=True,
                        sqlite_where=sa.text(NATIVE), postgresql_where=sa.text(NATIVE))
    op.add_column('collection_runs', _network_column())
    for table, (_old_read, new_read, _old_key, new_key) in SUMMARIES.items():
        op.add_column(table, _network_column())
        op.drop_index(f'ix_{table}_read', table_name=table)
        op.drop_index(f'ux_{table}_slice', table_name=table)
        op.create_index(f'ix_{table}_read', table, new_read, unique=False)
        op.create_index(f'ux_{table}_slice', table, _key_sql(new_key), unique=True)
        op.execute(f"ANALYZE {table}")
    _cursors_keyed_by_network()


def _cursors_keyed_by_network() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('search_cursors', _network_column())
        op.drop_constraint('search_cursors_pkey', 'search_cursors', type_='primary')
        op.create_primary_key('search_cursors_pkey', 'search_cursors', ['network', 'campaign', 'query'])
        return
    op.create_table(
        'search_cursors_new', _network_column(),
        sa.Column('campaign', sa.String(length=100), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('since_id', sa.String(length=24), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('network', 'campaign', 'query'))
    op.execute("INSERT INTO search_cursors_new (network, campaign, query, since_id, updated_at) "
               "SELECT 'x', campaign, query, since_id, updated_at FROM search_cursors")
    op.drop_table('search_cursors')
    op.rename_table('search_cursors_new', 'search_cursors')


def downgrade() -> None:
    """Back to X only: rows of the other networks are removed first (they cannot exist before 0019)."""
    bind = op.get_bind()
    for statement in (
            "DELETE FROM run_posts WHERE post_id IN (SELECT id FROM posts WHERE network <> 'x')",
            "DELETE FROM post_mps WHERE post_id IN (SELECT id FROM posts WHERE network <> 'x')",
            "DELETE FROM post_mps WHERE campaign_post_id IN (SELECT id FROM posts WHERE network <> 'x')",
            "DELETE FROM mp_watch_matches WHERE post_id IN (SELECT id FROM posts WHERE network <> 'x')",
            "DELETE FROM post_matches WHERE post_id IN (SELECT id FROM posts WHERE network <> 'x')",
            "DELETE FROM post_hashtags WHERE post_id IN (SELECT id FROM posts WHERE network <> 'x')",
            "DELETE FROM post_mentions WHERE post_id IN (SELECT id FROM posts WHERE network <> 'x')",
            "DELETE FROM posts WHERE network <> 'x'",
            "DELETE FROM author_followers WHERE author_id IN (SELECT id FROM authors WHERE network <> 'x')",
            "DELETE FROM region_corrections WHERE author_id IN (SELECT id FROM authors WHERE network <> 'x')",
            "DELETE FROM authors WHERE network <> 'x'",
            "DELETE FROM search_cursors WHERE network <> 'x'"):
        bind.execute(sa.text(statement))
    for table, (old_read, _new_read, old_key, _new_key) in SUMMARIES.items():
        bind.execute(sa.text(f"DELETE FROM {table} WHERE network <> 'x'"))
        op.drop_index(f'ux_{table}_slice', table_name=table)
        op.drop_index(f'ix_{table}_read', table_name=table)
        op.create_index(f'ix_{table}_read', table, old_read, unique=False)
        op.create_index(f'ux_{table}_slice', table, _key_sql(old_key), unique=True)
        op.drop_column(table, 'network')
    if bind.dialect.name == 'postgresql':
        op.drop_constraint('search_cursors_pkey', 'search_cursors', type_='primary')
        op.create_primary_key('search_cursors_pkey', 'search_cursors', ['campaign', 'query'])
        op.drop_column('search_cursors', 'network')
    else:
        op.create_table(
            'search_cursors_old',
            sa.Column('campaign', sa.String(length=100), nullable=False),
            sa.Column('query', sa.Text(), nullable=False),
            sa.Column('since_id', sa.String(length=24), nullable=True),
            sa.Column('updated_at', sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint('campaign', 'query'))
        op.execute("INSERT INTO search_cursors_old SELECT campaign, query, since_id, updated_at FROM search_cursors")
        op.drop_table('search_cursors')
        op.rename_table('search_cursors_old', 'search_cursors')
    for statement in ("DELETE FROM run_events WHERE run_id IN (SELECT id FROM collection_runs WHERE network <> 'x')",
                      "DELETE FROM run_posts WHERE run_id IN (SELECT id FROM collection_runs WHERE network <> 'x')",
                      "DELETE FROM collection_runs WHERE network <> 'x'"):
        bind.execute(sa.text(statement))
    op.drop_column('collection_runs', 'network')
    for table in ('authors', 'posts'):
        op.drop_index(f'ux_{table}_network_native_id', table_name=table)
        for column in ('url', 'native_id', 'network'):
            op.drop_column(table, column)
