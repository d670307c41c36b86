"""The database schema: SQLAlchemy 2 typed models, one class a table, grouped by what they hold.

    from monitor.models import Post, Author, CollectionRun

`base` (UTC times, the declarative base, region columns, one-dialect indexes), `posts` (posts, authors,
places, hashtags, mentions, campaign matches), `summary` (the summary tables), `runs` (collection runs and
their checkpoints), `corrections` (what people change by hand), `operations` (the collector's lease, the
weekly e-mails sent), `maintenance` (work a migration leaves for after it), `privacy` (people's requests
about their data, and the keys that stand in for what was removed), `billing` (what the X API billed),
`alerts` (alerts and their deliveries), `mps` (the MP register and the posts that involve MPs),
`actions` (campaign actions and every version of each). The Alembic revisions in monitor/migrations
build exactly this schema (tests/test_migrations.py).
"""
from monitor.models.actions import ADDED, EDITED, REMOVED, Action, ActionVersion
from monitor.models.alerts import Alert, AlertDelivery
from monitor.models.base import (
                                 ONLY_ON_DIALECT,
                                 UNKNOWN_REGION,
                                 Base,
                                 RegionColumns,
                                 UTCDateTime,
                                 on_this_dialect,
                                 only_on,
)
from monitor.models.billing import BilledRead
from monitor.models.corrections import RegionCorrection
from monitor.models.maintenance import MaintenanceTask
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
from monitor.models.operations import CollectorLease, ReportEmail
from monitor.models.posts import Author, AuthorFollowers, Place, Post, PostHashtag, PostMatch, PostMention
from monitor.models.privacy import (
                                 ANONYMOUS_PREFIX,
                                 REMOVED_POST_PREFIX,
                                 PrivacyRequest,
                                 anonymous_author_key,
                                 is_anonymous,
                                 removed_post_id,
)
from monitor.models.runs import CollectionRun, RunEvent, RunPost, SearchCursor
from monitor.models.summary import SUMMARY_TABLES, DaySummary, HourSummary, SummaryColumns, TermSummary, slice_key

__all__ = [
    "ADDED", "EDITED", "REMOVED", "Action", "ActionVersion",
    "ANONYMOUS_PREFIX", "BY_MP", "MENTION", "MP", "MP_POST_KINDS", "ONLY_ON_DIALECT", "REMOVED_POST_PREFIX",
    "REPLY_QUOTE", "SUMMARY_TABLES", "UNKNOWN_REGION", "Alert", "AlertDelivery", "Author", "AuthorFollowers", "Base",
    "BilledRead", "CollectionRun", "CollectorLease", "DaySummary", "HourSummary", "MPHandleCorrection",
    "MPRegisterLoad", "MPWatchMatch", "MaintenanceTask", "Place", "Post", "PostHashtag", "PostMP", "PostMatch",
    "PostMention", "PrivacyRequest", "RegionColumns", "RegionCorrection", "ReportEmail", "RunEvent", "RunPost",
    "SearchCursor", "SummaryColumns", "TermSummary", "UTCDateTime", "anonymous_author_key", "is_anonymous",
    "on_this_dialect", "only_on", "removed_post_id", "slice_key",
]
