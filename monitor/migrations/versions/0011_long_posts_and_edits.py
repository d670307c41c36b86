"""long posts whole and edited posts once: re-parse stored posts from their raw JSON

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

A post over 280 characters comes from X with `text` cut (ending in "…") and the whole post in
`note_tweet`, only when tweet.fields asks for it. Posts stored before the collector asked kept the cut
text and its entities, so a campaign term after the cut was never matched. Here:

- every stored post whose raw JSON holds a note_tweet gets its whole text and the hashtags and mentions
  of the whole text, by the parser's own rule (monitor.parse), so it is exactly what storing it today
  gives;
- an edit on X is a new post with its own id: every stored earlier version of an edited post whose later
  version is stored too gets `posts.superseded_by` and loses its campaign matches (monitor.editions), so
  the post counts once, as its latest version;
- the summary slices of every post whose hashtags, mentions or matches changed are aggregated again, so
  every figure is in step when this migration ends;
- posts with no campaign match are to be matched again against their campaigns' terms. Those terms live
  in the config, which Alembic does not have: this migration leaves the task in `maintenance_tasks`, and
  `db upgrade` and `run` carry it out with the config right after migrating (monitor.rematch), in
  batches that each keep the summary in step. A post is matched by the same code whether stored today or
  recovered, and the config says which terms a campaign has now.

Posts are read in batches by id and their raw JSON tested in the database (json functions guarded so a
raw value that is not an object cannot stop the migration), so memory stays flat on any number of posts.
The summary SQL is written out here, not taken from monitor.summary, so that it stays what this revision
did whatever the models become.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

from monitor.editions import latest_versions, versions
from monitor.parse import clean_text, entity_mentions, entity_tags, whole_text
from monitor.rematch import TASK as REMATCH_TASK

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 500

# Which raw JSON values hold a note_tweet object / an edit history of more than one version.
HAS_NOTE = {
    "sqlite": "CASE WHEN json_valid(raw) THEN json_type(raw, '$.note_tweet') END = 'object'",
    "postgresql": "json_typeof(raw -> 'note_tweet') = 'object'",
}
WAS_EDITED = {
    "sqlite": "CASE WHEN json_valid(raw) THEN json_array_length(raw, '$.edit_history_tweet_ids') ELSE 0 END > 1",
    "postgresql": "CASE WHEN json_typeof(raw -> 'edit_history_tweet_ids') = 'array' "
                  "THEN json_array_length(raw -> 'edit_history_tweet_ids') ELSE 0 END > 1",
}

posts = sa.table("posts", sa.column("id", sa.String), sa.column("text", sa.Text), sa.column("raw", sa.JSON),
                 sa.column("superseded_by", sa.String), sa.column("next_refresh_at", sa.DateTime),
                 sa.column("created_date_uk", sa.Date), sa.column("author_id", sa.String))
hashtags = sa.table("post_hashtags", sa.column("post_id", sa.String), sa.column("tag", sa.String))
mentions = sa.table("post_mentions", sa.column("post_id", sa.String), sa.column("username", sa.String),
                    sa.column("user_id", sa.String))
matches = sa.table("post_matches", sa.column("post_id", sa.String))
slices = sa.table("resync_slices", sa.column("day", sa.Date), sa.column("author_id", sa.String))

# The summary rows of the slices in resync_slices (a campaign's posts once each, however many terms
# matched), as migrations 0004 and 0005 fill them: each slice's posts found from the slice, on
# ix_posts_author_day ({walk} is CROSS JOIN on SQLite, whose planner then keeps that order), then their
# matches. {same_slice} ties a post p to a slice r.
MATCHED = ("SELECT DISTINCT m.campaign AS campaign, p.id AS post_id, p.created_date_uk AS day, "
           "p.created_hour_uk AS hour, p.author_id AS author_id, p.region AS region, p.branch AS branch, "
           "p.kind AS kind, p.author_followers AS followers, p.impression_count AS impressions, "
           "p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count AS engagements "
           "FROM resync_slices r {walk} posts p ON {same_slice} JOIN post_matches m ON m.post_id = p.id")
FILL = (
    "INSERT INTO summary_days (campaign, day, author_id, region, branch, posts, originals, replies, quotes, "
    "unknown_posts, min_followers, impressions, engagements, max_engagements) "
    "SELECT campaign, day, author_id, region, branch, COUNT(*), "
    "SUM(CASE WHEN kind = 'original' THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 'reply' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN kind = 'quote' THEN 1 ELSE 0 END), SUM(CASE WHEN region = 'Unknown' THEN 1 ELSE 0 END), "
    f"MIN(followers), SUM(impressions), SUM(engagements), MAX(engagements) FROM ({MATCHED}) matched "
    "GROUP BY campaign, day, author_id, region, branch",
    "INSERT INTO summary_hours (campaign, day, hour, author_id, region, branch, posts, min_followers) "
    f"SELECT campaign, day, hour, author_id, region, branch, COUNT(*), MIN(followers) FROM ({MATCHED}) matched "
    "GROUP BY campaign, day, hour, author_id, region, branch",
    *("INSERT INTO summary_terms (campaign, day, kind, term, author_id, region, branch, posts) "
      f"SELECT matched.campaign, matched.day, '{kind}', t.{column}, matched.author_id, matched.region, "
      f"matched.branch, COUNT(*) FROM ({MATCHED}) matched JOIN {table} t ON t.post_id = matched.post_id "
      f"GROUP BY matched.campaign, matched.day, t.{column}, matched.author_id, matched.region, matched.branch"
      for kind, column, table in (("hashtag", "tag", "post_hashtags"), ("mention", "username", "post_mentions"))),
)
SUMMARY_TABLES = ("summary_days", "summary_hours", "summary_terms")
# Slices with an author and slices without one (a post whose author X never named), apart: '=' and
# IS NULL let both databases use ix_posts_author_day and the summaries' (author_id, day) indexes.
SLICE_KINDS = (
    ("(author_id, day) IN (SELECT author_id, day FROM resync_slices WHERE author_id IS NOT NULL)",
     "p.author_id = r.author_id AND p.created_date_uk = r.day"),
    ("author_id IS NULL AND day IN (SELECT day FROM resync_slices WHERE author_id IS NULL)",
     "r.author_id IS NULL AND p.author_id IS NULL AND p.created_date_uk = r.day"),
)


def _insert_ignore(table, rows: list[dict], keys: list[str]) -> None:
    if rows:
        insert = postgresql.insert if op.get_bind().dialect.name == "postgresql" else sqlite.insert
        op.get_bind().execute(insert(table).on_conflict_do_nothing(index_elements=keys), rows)


def _batches(condition: str):
    """(id, raw) of the posts meeting a SQL condition on raw, BATCH at a time, in id order."""
    bind, last = op.get_bind(), ""
    while True:
        rows = bind.execute(sa.select(posts.c.id, posts.c.raw).where(posts.c.id > last, sa.text(condition))
                            .order_by(posts.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield [(post_id, raw) for post_id, raw in rows if isinstance(raw, dict)]
        last = rows[-1][0]


def _whole_long_posts(dialect: str) -> set[str]:
    """Whole text and entities for every post stored with a note_tweet; the ids given new entities."""
    bind, changed = op.get_bind(), set()
    for batch in _batches(HAS_NOTE[dialect]):
        bind.execute(posts.update().where(posts.c.id == sa.bindparam("post_id")).values(text=sa.bindparam("whole")),
                     [{"post_id": post_id, "whole": clean_text(whole_text(raw)) or ""} for post_id, raw in batch])
        ids = [post_id for post_id, _ in batch]
        had_tags = set(bind.execute(sa.select(hashtags.c.post_id, hashtags.c.tag).where(hashtags.c.post_id.in_(ids))))
        had_mentions = set(bind.execute(sa.select(mentions.c.post_id, mentions.c.username)
                                        .where(mentions.c.post_id.in_(ids))))
        new_tags = [{"post_id": p, "tag": t} for p, raw in batch for t in entity_tags(raw) if (p, t) not in had_tags]
        new_mentions = [{"post_id": p, "username": u, "user_id": uid} for p, raw in batch
                        for u, uid in entity_mentions(raw) if (p, u) not in had_mentions]
        _insert_ignore(hashtags, new_tags, ["post_id", "tag"])
        _insert_ignore(mentions, new_mentions, ["post_id", "username"])
        changed |= {r["post_id"] for r in new_tags + new_mentions}
    return changed


def _one_count_per_edited_post(dialect: str) -> set[str]:
    """Earlier versions of edited posts whose later version is stored: superseded, without matches."""
    bind = op.get_bind()
    histories = [h for batch in _batches(WAS_EDITED[dialect]) for _, raw in batch if len(h := versions(raw)) > 1]
    named = sorted({i for h in histories for i in h})
    stored = {i for start in range(0, len(named), BATCH)
              for i in bind.execute(sa.select(posts.c.id).where(posts.c.id.in_(named[start:start + BATCH]))).scalars()}
    latest = latest_versions(histories, stored)
    for earlier, newest in latest.items():
        bind.execute(posts.update().where(posts.c.id == earlier).values(superseded_by=newest, next_refresh_at=None))
    ids = sorted(latest)
    for start in range(0, len(ids), BATCH):
        bind.execute(matches.delete().where(matches.c.post_id.in_(ids[start:start + BATCH])))
    return set(ids)


def _resync_summaries(post_ids: set[str]) -> None:
    """Aggregate again, from posts, every summary slice (UK day x author) these posts belong to."""
    if not post_ids:
        return
    bind, ids = op.get_bind(), sorted(post_ids)
    found = {tuple(r) for start in range(0, len(ids), BATCH) for r in bind.execute(
        sa.select(posts.c.created_date_uk, posts.c.author_id).where(posts.c.id.in_(ids[start:start + BATCH])))}
    op.execute("CREATE TEMPORARY TABLE resync_slices (day DATE NOT NULL, author_id VARCHAR(24))")
    bind.execute(slices.insert(), [{"day": day, "author_id": author_id} for day, author_id in sorted(found, key=str)])
    walk = "CROSS JOIN" if bind.dialect.name == "sqlite" else "JOIN"
    for in_slices, same_slice in SLICE_KINDS:
        for table in SUMMARY_TABLES:
            op.execute(f"DELETE FROM {table} WHERE {in_slices}")
        for statement in FILL:
            op.execute(statement.format(walk=walk, same_slice=same_slice))
    op.execute("DROP TABLE resync_slices")


def upgrade() -> None:
    # Not in batch mode, here and in downgrade: SQLite adds (and, from 3.35, drops) a column in place.
    op.add_column("posts", sa.Column("superseded_by", sa.String(length=24), nullable=True))
    op.create_table("maintenance_tasks", sa.Column("name", sa.String(length=60), nullable=False),
                    sa.PrimaryKeyConstraint("name"))
    dialect = op.get_bind().dialect.name
    changed = _whole_long_posts(dialect) | _one_count_per_edited_post(dialect)
    _resync_summaries(changed)
    op.get_bind().execute(sa.table("maintenance_tasks", sa.column("name", sa.String)).insert(),
                          [{"name": REMATCH_TASK}])


def downgrade() -> None:
    # The whole texts and entities stay (what X sent; 0010's code reads them as any text), and so do the
    # matches earlier versions lost: a downgraded database counts each edited post once, as now.
    op.drop_table("maintenance_tasks")
    op.drop_column("posts", "superseded_by")
