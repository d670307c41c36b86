"""The MP register and the posts that involve MPs (monitor.mps keeps them; monitor.metrics.mps reads them).

`mps` is one row per MP of the register (monitor/mps/data), with the handles in force: the register's,
unless a person corrected them (`mp_handle_corrections`, audited, never overwritten by an import).
`post_mps` says which stored posts are by an MP, mention one, or are an MP's reply to or quote of
another post, one row per (post, MP, kind); `mp_watch_matches` which campaign's MP watch found a post.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, func, true
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime

# post_mps.kind: the MP wrote the post; the MP's post replies to or quotes post campaign_post_id; the
# post mentions the MP.
BY_MP, REPLY_QUOTE, MENTION = "by_mp", "reply_quote", "mention"
MP_POST_KINDS = (BY_MP, REPLY_QUOTE, MENTION)


class MP(Base):
    """A member of the register. Only sitting MPs count; one who left at a later import keeps their row
    (their old posts still name them) with sitting false."""

    __tablename__ = "mps"

    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # UK Parliament's id
    name: Mapped[str] = mapped_column(Text)
    constituency: Mapped[str] = mapped_column(Text)
    constituency_code: Mapped[str] = mapped_column(String(12))  # ONS GSS code
    party: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(40))  # the ONS region keys used everywhere
    country: Mapped[str] = mapped_column(String(20))
    local_authorities: Mapped[str] = mapped_column(Text)  # names, " / " between them
    # What the register says, and what is in force (a person's correction wins: monitor.mps.register).
    register_x_username: Mapped[str | None] = mapped_column(String(50))
    register_bluesky_handle: Mapped[str | None] = mapped_column(String(253))
    x_username: Mapped[str | None] = mapped_column(String(50))
    bluesky_handle: Mapped[str | None] = mapped_column(String(253))
    # The X account's id, learned when a post by the handle is stored: a renamed handle keeps matching.
    x_user_id: Mapped[str | None] = mapped_column(String(24), index=True)
    sitting: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_mps_x_username_lower", func.lower(x_username)),
        Index("ix_mps_region", "region", "party"),
    )


class MPHandleCorrection(Base):
    """A person's correction of an MP's handles: audited, and applied over every later import. A column
    left NULL is not changed by this correction; an empty string means the MP has no such account."""

    __tablename__ = "mp_handle_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("mps.member_id"), index=True)
    x_username: Mapped[str | None] = mapped_column(String(50))
    bluesky_handle: Mapped[str | None] = mapped_column(String(253))
    corrected_by: Mapped[str] = mapped_column(String(120))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class MPRegisterLoad(Base):
    """Each time the register was loaded: the package's copy on `db upgrade`, or `mps import`."""

    __tablename__ = "mp_register_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(20))  # package | import
    as_of: Mapped[date] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    files: Mapped[str] = mapped_column(Text)
    mps: Mapped[int] = mapped_column(Integer)
    x_handles: Mapped[int] = mapped_column(Integer)
    bluesky_handles: Mapped[int] = mapped_column(Integer)


class PostMP(Base):
    """A post that involves an MP: by them, mentioning them, or their reply to / quote of another post.

    campaign_post_id is the post whose campaign matches put the row in a campaign: the post itself, or
    for REPLY_QUOTE the post replied to or quoted (which may be stored later, or never). day, created_at
    and author_id are the post's, copied because they never change: the MP figures read this table alone.
    """

    __tablename__ = "post_mps"

    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("mps.member_id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # MP_POST_KINDS
    campaign_post_id: Mapped[str] = mapped_column(String(24))
    day: Mapped[date] = mapped_column(Date)  # posts.created_date_uk
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author_id: Mapped[str | None] = mapped_column(String(24))

    __table_args__ = (
        # The MP figures over a UK date range, answered from the index alone.
        Index("ix_post_mps_day", "day", "member_id", "kind", "campaign_post_id", "post_id", "author_id",
              "created_at"),
        Index("ix_post_mps_member", "member_id"),
    )


class MPWatchMatch(Base):
    """A post the MP watch of a campaign found (an MP's post on the campaign's subject, maybe without its
    hashtags). Not a campaign match: the campaign's post figures never count it; the MP figures do."""

    __tablename__ = "mp_watch_matches"

    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(100), primary_key=True)
