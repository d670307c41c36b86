"""The database schema: SQLAlchemy 2 typed models, one class a table.

Times are stored as naive UTC (`UTCDateTime` converts at the boundary) so SQLite and PostgreSQL
hold the same values. Each post also carries its Europe/London calendar day and local time,
computed once on insert, because SQLite has no time-zone arithmetic and every dashboard figure
groups by UK day: the aggregates then run in the database on an indexed column.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer,
                        String, Text, TypeDecorator, false, func, literal_column)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UNKNOWN_REGION = "Unknown"


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class RegionColumns:
    """Attribution written by monitor.regions (evidence: known_account, correction, place, profile_location, none)."""

    region: Mapped[str] = mapped_column(String(40), default=UNKNOWN_REGION, server_default=UNKNOWN_REGION)
    branch: Mapped[str | None] = mapped_column(String(80))
    region_evidence: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    region_confidence: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class Author(RegionColumns, Base):
    __tablename__ = "authors"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    username: Mapped[str] = mapped_column(String(50), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    followers_count: Mapped[int] = mapped_column(BigInteger, default=0)
    following_count: Mapped[int] = mapped_column(BigInteger, default=0)
    tweet_count: Mapped[int] = mapped_column(BigInteger, default=0)
    listed_count: Mapped[int] = mapped_column(BigInteger, default=0)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_type: Mapped[str | None] = mapped_column(String(20))
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw: Mapped[dict] = mapped_column(JSON)
    # A stand-in for an author a page left out of its includes (monitor.parse.stub_author), until the
    # author appears in full. A typed flag, not "raw is an empty object": how a JSON value compares
    # with a Python one differs between databases and SQLAlchemy releases.
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    region_detail: Mapped[str | None] = mapped_column(Text)
    # Which gazetteer attributed this author: a change of gazetteer means recompute.
    region_version: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        # A handle in any case (the explorer's author filter, `regions correct`): a look-up, not a
        # scan of every author (migration 0007).
        Index("ix_authors_username_lower", func.lower(username)),
    )


class AuthorFollowers(Base):
    """A dated history of follower counts: one row per author per UTC day seen."""

    __tablename__ = "author_followers"

    author_id: Mapped[str] = mapped_column(ForeignKey("authors.id"), primary_key=True)
    observed_on: Mapped[date] = mapped_column(Date, primary_key=True)
    followers_count: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        # "users read this month" (health page) reads one month of rows, not every author's history.
        Index("ix_author_followers_observed_on", "observed_on"),
    )


class Place(Base):
    __tablename__ = "places"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    full_name: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    country_code: Mapped[str | None] = mapped_column(String(4))
    place_type: Mapped[str | None] = mapped_column(String(20))
    raw: Mapped[dict] = mapped_column(JSON)


def on_this_dialect(obj, name, type_, reflected, compare_to, *, dialect: str) -> bool:
    """Alembic's include_object: leave out of a comparison an index the models create only on
    another dialect (Index.ddl_if)."""
    only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
    return reflected or type_ != "index" or only_on in (None, dialect)


class Post(RegionColumns, Base):
    __tablename__ = "posts"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    author_id: Mapped[str | None] = mapped_column(ForeignKey("authors.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_date_uk: Mapped[date] = mapped_column(Date)
    created_hour_uk: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))  # original | reply | quote
    conversation_id: Mapped[str | None] = mapped_column(String(24))
    in_reply_to_user_id: Mapped[str | None] = mapped_column(String(24))
    referenced_post_id: Mapped[str | None] = mapped_column(String(24))
    place_id: Mapped[str | None] = mapped_column(ForeignKey("places.id"))
    # Followers of the author when the post was first stored: potential reach is "as of their post".
    author_followers: Mapped[int] = mapped_column(BigInteger, default=0)
    like_count: Mapped[int] = mapped_column(BigInteger, default=0)
    repost_count: Mapped[int] = mapped_column(BigInteger, default=0)
    reply_count: Mapped[int] = mapped_column(BigInteger, default=0)
    quote_count: Mapped[int] = mapped_column(BigInteger, default=0)
    bookmark_count: Mapped[int] = mapped_column(BigInteger, default=0)
    impression_count: Mapped[int] = mapped_column(BigInteger, default=0)
    metrics_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_refresh_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    raw: Mapped[dict] = mapped_column(JSON)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Flags, never deletions: a post that vanished from X stays counted where it was seen.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    unavailable_reason: Mapped[str | None] = mapped_column(String(40))
    withheld: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_posts_date_region", "created_date_uk", "region"),
        # The UK day alone, on PostgreSQL. On SQLite the same prefix leads ix_posts_day_text, which also
        # holds each post's text and id: the explorer's text search reads the window's texts there, not
        # from the wide rows (a third of the CPU for 30 days of 1M posts; migration 0008). Not on
        # PostgreSQL, whose B-tree entries are limited to ~2.7 kB, which a post's text can pass (an
        # emoji sequence is many bytes for one character of X's 280).
        Index("ix_posts_created_date_uk", "created_date_uk").ddl_if(dialect="postgresql"),
        Index("ix_posts_day_text", "created_date_uk", "text", "id").ddl_if(dialect="sqlite"),
        # "Text contains" on PostgreSQL: the posts holding the words' trigrams, found before any text is
        # read (pg_trgm, migration 0009): a rare text in 30 days of 1M posts 290 -> 26-45 ms.
        Index("ix_posts_text_trgm", "text", postgresql_using="gin",
              postgresql_ops={"text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        # Every dashboard figure reads these columns over a UK date range: answered from the index
        # alone (migration 0002; bench/bench_dashboard.py measures it).
        Index("ix_posts_dashboard", "created_date_uk", "region", "branch", "author_id", "kind", "author_followers",
              "impression_count", "like_count", "repost_count", "reply_count", "quote_count", "bookmark_count",
              "created_hour_uk", "id"),
        # An author's posts (prefix), and an author's posts of one UK day: what re-aggregating a
        # summary slice reads (migration 0004; it replaced ix_posts_author_id).
        Index("ix_posts_author_day", "author_id", "created_date_uk"),
    )


class PostHashtag(Base):
    __tablename__ = "post_hashtags"

    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(140), primary_key=True, index=True)  # lower case, no '#'


class PostMention(Base):
    __tablename__ = "post_mentions"

    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)  # lower case, no '@'
    user_id: Mapped[str | None] = mapped_column(String(24))


class PostMatch(Base):
    """Which campaign term ('#tag' or '@handle') matched each post."""

    __tablename__ = "post_matches"

    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    term: Mapped[str] = mapped_column(String(160), primary_key=True)


class SummaryColumns:
    """The slice key and figures shared by the two summary tables (monitor.summary keeps them in step
    with posts; migration 0004 created and filled them)."""

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    campaign: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)  # posts.created_date_uk
    author_id: Mapped[str | None] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(40))
    branch: Mapped[str | None] = mapped_column(String(80))
    posts: Mapped[int] = mapped_column(Integer)
    # MIN(posts.author_followers) of the slice: potential reach takes the smallest per author.
    min_followers: Mapped[int] = mapped_column(BigInteger)


class DaySummary(SummaryColumns, Base):
    """One row per campaign x UK day x author x region x branch of the posts that matched the campaign
    (a post matching several terms once): every per-period dashboard figure is a sum of these rows,
    except the per-author MIN of followers, which is taken over them. About a third as many rows as
    posts, narrow, and with no per-post probe of post_matches."""

    __tablename__ = "summary_days"
    SLICE_KEY = ("campaign", "day", "author_id", "region", "branch")   # see slice_key()

    originals: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer)
    quotes: Mapped[int] = mapped_column(Integer)
    unknown_posts: Mapped[int] = mapped_column(Integer)
    impressions: Mapped[int] = mapped_column(BigInteger)
    engagements: Mapped[int] = mapped_column(BigInteger)
    # The largest engagements of one post in the slice: top posts look only at slices that can hold one.
    max_engagements: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_summary_days_read", "campaign", "day", "author_id", "region", "branch", "posts", "originals",
              "replies", "quotes", "unknown_posts", "min_followers", "impressions", "engagements",
              "max_engagements"),
        Index("ix_summary_days_author_day", "author_id", "day"),
    )


class HourSummary(SummaryColumns, Base):
    """The same slices per UK hour, with only what the hourly timeline shows (posts, reach)."""

    __tablename__ = "summary_hours"
    SLICE_KEY = ("campaign", "day", "hour", "author_id", "region", "branch")

    hour: Mapped[int] = mapped_column(Integer)  # posts.created_hour_uk

    __table_args__ = (
        Index("ix_summary_hours_read", "campaign", "day", "hour", "author_id", "region", "branch", "posts",
              "min_followers"),
        Index("ix_summary_hours_author_day", "author_id", "day"),
    )


class TermSummary(Base):
    """Hashtags and mentions of the same slices: one row per campaign x UK day x term x author x region x
    branch with the number of the slice's posts carrying the term (the hashtag and mention charts
    count posts and unique authors per term). Migration 0005; monitor.summary keeps it in step."""

    __tablename__ = "summary_terms"
    SLICE_KEY = ("campaign", "day", "kind", "term", "author_id", "region", "branch")

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    campaign: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # hashtag | mention
    term: Mapped[str] = mapped_column(String(160))  # post_hashtags.tag or post_mentions.username
    author_id: Mapped[str | None] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(40))
    branch: Mapped[str | None] = mapped_column(String(80))
    posts: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_summary_terms_read", "campaign", "kind", "day", "region", "branch", "term", "author_id", "posts"),
        Index("ix_summary_terms_author_day", "author_id", "day"),
    )


def slice_key(table) -> list:
    """The columns that name one slice of a summary table (its SLICE_KEY), with the nullable author_id
    and branch read as '' so that a slice with no branch (or no author) is one key like any other:
    the unique index below and the summary upkeep's ON CONFLICT target are both this list."""
    c = table.__table__.c
    return [func.coalesce(c[n], literal_column("''")) if c[n].nullable else c[n] for n in table.SLICE_KEY]


# The summary tables monitor.summary keeps in step with posts (whatever changes posts writes them too).
SUMMARY_TABLES = (DaySummary, HourSummary, TermSummary)

# One row a slice (migration 0006): new posts merge into their slice by INSERT ... ON CONFLICT.
for _model in SUMMARY_TABLES:
    Index(f"ux_{_model.__tablename__}_slice", *slice_key(_model), unique=True)


class CollectionRun(Base):
    """One search (or metrics refresh) run; its checkpoint lets a killed run resume."""

    __tablename__ = "collection_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="search")  # search | refresh | import
    query: Mapped[str] = mapped_column(Text)
    since_id: Mapped[str | None] = mapped_column(String(24))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_token: Mapped[str | None] = mapped_column(Text)
    newest_id: Mapped[str | None] = mapped_column(String(24))  # the first page's meta.newest_id
    pages: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    posts_read: Mapped[int] = mapped_column(Integer, default=0)
    posts_new: Mapped[int] = mapped_column(Integer, default=0)
    posts_updated: Mapped[int] = mapped_column(Integer, default=0)
    rate_limit_waits: Mapped[int] = mapped_column(Integer, default=0)
    rate_limit_wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    resumes: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), index=True)  # running | completed | failed | stopped

    __table_args__ = (
        # Collection gaps, last success, failed runs in a window (health page, banner): a seek, not a
        # scan of every run ever (96 a day per campaign). API usage this month: a range on started_at.
        Index("ix_collection_runs_campaign_kind_status_started", "campaign", "kind", "status", "started_at"),
        Index("ix_collection_runs_started_at", "started_at"),
    )


class RunPost(Base):
    """Links each run to the posts it found (as twitter-to-sqlite does)."""

    __tablename__ = "run_posts"

    run_id: Mapped[int] = mapped_column(ForeignKey("collection_runs.id"), primary_key=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), primary_key=True, index=True)


class RunEvent(Base):
    """Every fault met by a run: retried, waited, recorded partial errors, the fatal one."""

    __tablename__ = "run_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("collection_runs.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # retry | rate_limit | partial_error | fatal | fallback
    status_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)


class SearchCursor(Base):
    """Where the next poll of one (campaign, query) starts: advanced only after a run's last page."""

    __tablename__ = "search_cursors"

    campaign: Mapped[str] = mapped_column(String(100), primary_key=True)
    query: Mapped[str] = mapped_column(Text, primary_key=True)
    since_id: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RegionCorrection(Base):
    """A person's correction of an author's region: audited, never overwritten by inference."""

    __tablename__ = "region_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("authors.id"), index=True)
    region: Mapped[str] = mapped_column(String(40))
    branch: Mapped[str | None] = mapped_column(String(80))
    corrected_by: Mapped[str] = mapped_column(String(120))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class CollectorLease(Base):
    """Which process collects into this database: one row (id 1), held by one `campaign-monitor run` or
    `collect --once` at a time and renewed while it runs (monitor.lease). `holder` is the holding
    process's random token; NULL when no collector runs."""

    __tablename__ = "collector_lease"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(40))
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    command: Mapped[str | None] = mapped_column(String(40))  # run | collect --once | demo
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportEmail(Base):
    """A weekly report e-mail, claimed before it is sent and marked when sent: each week of a campaign is
    e-mailed once, whichever process (or restart) gets there first (monitor.reports.weekly_job)."""

    __tablename__ = "report_emails"

    campaign: Mapped[str] = mapped_column(String(100), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # 2026-W47
    claimed_by: Mapped[str] = mapped_column(String(300))  # host and pid of the sender
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[str | None] = mapped_column(Text)
