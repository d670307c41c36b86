"""Posts, their authors, places, hashtags, mentions and campaign matches.

Each post also carries its Europe/London calendar day and local time, computed once on insert, because
SQLite has no time-zone arithmetic and every dashboard figure groups by UK day: the aggregates then run in
the database on an indexed column.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, false, func
from sqlalchemy import text as sql_text  # posts has a column named text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, RegionColumns, UTCDateTime, only_on


class NetworkColumns:
    """Which network a row is from (monitor.networks) and its id there where it is not `id` itself.

    X's rows keep X's ids and carry no native_id; a Bluesky or Mastodon row's id is a network prefix and
    a digest of its native id (an AT or ActivityPub URI), unique per network (migration 0019)."""

    network: Mapped[str] = mapped_column(String(10), default="x", server_default="x")
    native_id: Mapped[str | None] = mapped_column(Text)
    # The web page of the post or profile where the network gives one (Mastodon); X's and Bluesky's
    # are made from the handle and id (monitor.networks.post_link).
    url: Mapped[str | None] = mapped_column(Text)


def native_id_key(table: str) -> Index:
    """(network, native_id) is unique; X's rows (native_id NULL) are not in the index at all, so it cost
    nothing to build on a database of X posts."""
    return Index(f"ux_{table}_network_native_id", "network", "native_id", unique=True,
                 sqlite_where=sql_text("native_id IS NOT NULL"), postgresql_where=sql_text("native_id IS NOT NULL"))


class Author(NetworkColumns, RegionColumns, Base):
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
    # Retention (monitor.privacy.retention): when the raw JSON was dropped, and when the profile was
    # (not seen for [privacy] author_inactive_days). Both go back to None when the author is seen again.
    raw_dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    profile_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # A handle in any case (the explorer's author filter, `regions correct`): a look-up, not a
        # scan of every author (migration 0007).
        Index("ix_authors_username_lower", func.lower(username)),
        native_id_key("authors"),
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


class Post(NetworkColumns, RegionColumns, Base):
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
    # A post deleted or made private on X, or erased on request, is removed (monitor.privacy): its row
    # keeps only what the figures need, under a new id, with no author, and removed_at set.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    unavailable_reason: Mapped[str | None] = mapped_column(String(40))  # deleted | protected | forgotten
    withheld: Mapped[dict | None] = mapped_column(JSON)
    # An edit on X is a new post with its own id: an earlier version, once a later one is stored, names
    # it here and has no campaign matches, so the post counts once, as its latest version (monitor.editions).
    superseded_by: Mapped[str | None] = mapped_column(String(24))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stands in for the author of a removed post in the summary tables (monitor.models.privacy).
    anonymous_author: Mapped[str | None] = mapped_column(String(24))
    # When retention dropped the raw JSON ([privacy] raw_json_days after first seen); None while kept.
    raw_dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_posts_date_region", "created_date_uk", "region"),
        # The UK day alone, on PostgreSQL. On SQLite the same prefix leads ix_posts_day_text, which also
        # holds each post's text and id: the explorer's text search reads the window's texts there, not
        # from the wide rows (a third of the CPU for 30 days of 1M posts; migration 0008). Not on
        # PostgreSQL, whose B-tree entries are limited to ~2.7 kB, which a post's text can pass (an
        # emoji sequence is many bytes for one character of X's 280).
        only_on("postgresql", Index("ix_posts_created_date_uk", "created_date_uk")),
        only_on("sqlite", Index("ix_posts_day_text", "created_date_uk", "text", "id")),
        # "Text contains" on PostgreSQL: the posts holding the words' trigrams, found before any text is
        # read (pg_trgm, migration 0009): a rare text in 30 days of 1M posts 290 -> 26-45 ms.
        only_on("postgresql", Index("ix_posts_text_trgm", "text", postgresql_using="gin",
                                    postgresql_ops={"text": "gin_trgm_ops"})),
        # Every dashboard figure reads these columns over a UK date range: answered from the index
        # alone (migration 0002; bench/bench_dashboard.py measures it).
        Index("ix_posts_dashboard", "created_date_uk", "region", "branch", "author_id", "kind", "author_followers",
              "impression_count", "like_count", "repost_count", "reply_count", "quote_count", "bookmark_count",
              "created_hour_uk", "id"),
        # An author's posts (prefix), and an author's posts of one UK day: what re-aggregating a
        # summary slice reads (migration 0004; it replaced ix_posts_author_id).
        Index("ix_posts_author_day", "author_id", "created_date_uk"),
        # The posts whose raw JSON is still kept, by age: the nightly retention finds the few to drop
        # without reading every post (migration 0014).
        Index("ix_posts_raw_kept", "first_seen_at", sqlite_where=sql_text("raw_dropped_at IS NULL"),
              postgresql_where=sql_text("raw_dropped_at IS NULL")),
        native_id_key("posts"),
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
