"""The database schema: SQLAlchemy 2 typed models, one class a table, grouped by what they hold.

    from monitor.models import Post, Author, CollectionRun

`base` (UTC times, the declarative base, region columns, one-dialect indexes), `posts` (posts, authors,
places, hashtags, mentions, campaign matches), `summary` (the summary tables), `runs` (collection runs and
their checkpoints), `corrections` (what people change by hand), `mps` (the MP register and the posts that
involve MPs). The Alembic revisions in monitor/migrations build exactly this schema (tests/test_migrations.py).
"""
from monitor.models.base import (
                                 ONLY_ON_DIALECT,
                                 UNKNOWN_REGION,
                                 Base,
                                 RegionColumns,
                                 UTCDateTime,
                                 on_this_dialect,
                                 only_on,
)
from monitor.models.corrections import RegionCorrection
from monitor.models.mps import (
                                BY_MP,
                                MENTION,
                                MP,
                                MP_POST_KINDS,
                                REPLY_QUOTE,
                                MPHandleCorrection,
                                MPRegisterLoad,
                                MPWatchMatch,
                                PostMP,
)
from monitor.models.posts import Author, AuthorFollowers, Place, Post, PostHashtag, PostMatch, PostMention
from monitor.models.runs import CollectionRun, RunEvent, RunPost, SearchCursor
from monitor.models.summary import DaySummary, HourSummary, SummaryColumns, TermSummary, slice_key

__all__ = [
    "BY_MP", "MENTION", "MP", "MP_POST_KINDS", "REPLY_QUOTE", "MPHandleCorrection", "MPRegisterLoad",
    "MPWatchMatch", "PostMP",
    "ONLY_ON_DIALECT", "UNKNOWN_REGION", "Author", "AuthorFollowers", "Base", "CollectionRun", "DaySummary",
    "HourSummary", "Place", "Post", "PostHashtag", "PostMatch", "PostMention", "RegionColumns", "RegionCorrection",
    "RunEvent", "RunPost", "SearchCursor", "SummaryColumns", "TermSummary", "UTCDateTime", "on_this_dialect",
    "only_on", "slice_key",
]
