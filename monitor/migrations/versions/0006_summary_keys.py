"""summary tables: one row per slice, enforced by a unique index on the slice's key

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Adding a page of new posts to their slices read each slice's row back into Python, merged the
figures there and wrote them again: a third of the time it took to store a page
(bench/bench_ingest.py). With a unique index on the slice key, one INSERT ... SELECT ... GROUP BY
... ON CONFLICT DO UPDATE per table does it in the database. author_id and branch are nullable,
and NULLs never conflict, so the index is on COALESCE(column, '').

Rows of one slice should not be duplicated (the upkeep merged under a lock), but if a database has
any, they are merged here first (their figures are sums, a MIN and a MAX) so the index can be built.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

NULLABLE = ('author_id', 'branch')
# table -> (slice key, {figure: how two rows of one slice combine})
TABLES = {
    'summary_days': (('campaign', 'day', 'author_id', 'region', 'branch'),
                     {'posts': 'SUM', 'originals': 'SUM', 'replies': 'SUM', 'quotes': 'SUM', 'unknown_posts': 'SUM',
                      'min_followers': 'MIN', 'impressions': 'SUM', 'engagements': 'SUM', 'max_engagements': 'MAX'}),
    'summary_hours': (('campaign', 'day', 'hour', 'author_id', 'region', 'branch'),
                      {'posts': 'SUM', 'min_followers': 'MIN'}),
    'summary_terms': (('campaign', 'day', 'kind', 'term', 'author_id', 'region', 'branch'), {'posts': 'SUM'}),
}


def _key_sql(key: tuple) -> list[str]:
    return [f"COALESCE({c}, '')" if c in NULLABLE else c for c in key]


def _merge_duplicates(table: str, key: tuple, figures: dict) -> None:
    keys = ', '.join(_key_sql(key))
    duplicated = f"SELECT 1 FROM {table} GROUP BY {keys} HAVING COUNT(*) > 1"
    if op.get_bind().execute(sa.text(duplicated + " LIMIT 1")).first() is None:
        return
    columns = ', '.join(key + tuple(figures))
    merged = ', '.join(key) + ', ' + ', '.join(f"{how}({f}) AS {f}" for f, how in figures.items())
    op.execute(f"CREATE TEMPORARY TABLE merged_slices AS SELECT {merged} FROM {table} "
               f"GROUP BY {', '.join(key)} HAVING COUNT(*) > 1")
    same = ' AND '.join(f"{table}.{c} IS NOT DISTINCT FROM m.{c}" if c in NULLABLE else f"{table}.{c} = m.{c}"
                       for c in key)
    op.execute(f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM merged_slices m WHERE {same})")
    op.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM merged_slices")
    op.execute("DROP TABLE merged_slices")


def upgrade() -> None:
    for table, (key, figures) in TABLES.items():
        _merge_duplicates(table, key, figures)
        op.create_index(f'ux_{table}_slice', table, [sa.text(c) for c in _key_sql(key)], unique=True)
        # Statistics for the new index beside the read index's: without them SQLite's planner took the
        # unique index for the dashboard's reads, which lacks their columns (30-day kpis 238 -> 303 ms).
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f'ux_{table}_slice', table_name=table)
