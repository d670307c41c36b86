"""Every figure the dashboard and the weekly report show: their definitions, and one SQL aggregate each.

    from monitor import metrics
    filters = metrics.Filters("ipfs", date(2026, 11, 16), date(2026, 11, 22), region="London")
    metrics.kpis(engine, filters).posts

All functions take a bind (an Engine or a Session) and a `Filters`: campaign, UK calendar dates
`from_date`..`to_date` (inclusive), optionally a region, a branch and a class of author. The database
does the counting: only the rows that are shown come back (a handful of totals, one row per day, the
top n).

The modules, each one job: `definitions` (what each figure means; prices and rules), `filters` (periods,
region keys), `audience` (NAHT's own accounts, members and public), `sql` (the shared building blocks),
`campaign` (KPIs, timeline, regions, contributors, terms, accounts), `posts` (post rows, top posts),
`explorer` (search and download) and `health` (collection gaps, collector status, API usage).
"""
from monitor.metrics.audience import (
                                      ALL,
                                      AUTHOR_CLASSES,
                                      MEMBERS,
                                      NAHT,
                                      Audience,
                                      AuthorRef,
                                      audience,
                                      find_author,
                                      naht_handles,
)
from monitor.metrics.campaign import (
                                      ACCOUNTS_LIMIT,
                                      HOURLY_MAX_DAYS,
                                      AccountRow,
                                      ContributorRow,
                                      GroupRow,
                                      Kpis,
                                      KpisWithChange,
                                      TermRow,
                                      TimelinePoint,
                                      branches_table,
                                      hashtags,
                                      kpis,
                                      kpis_with_change,
                                      mentions,
                                      region_accounts,
                                      regions_table,
                                      timeline,
                                      top_contributors,
)
from monitor.metrics.definitions import (
                                      BUDGET_EXCEEDED_SHARE,
                                      BUDGET_WARNING_SHARE,
                                      DEFINITIONS,
                                      DEFINITIONS_BY_KEY,
                                      MIN_POSTS_TO_COMPARE,
                                      POST_KINDS,
                                      PRICE_PER_POST_READ,
                                      PRICE_PER_USER_READ,
                                      STALE_AFTER_INTERVALS,
                                      Definition,
)
from monitor.metrics.explorer import CSV_MAX_ROWS, PostSearch, PostsPage, posts_for_download, posts_page
from monitor.metrics.filters import (
                                      PRESET_CODES,
                                      PRESETS,
                                      SELECTABLE_REGIONS,
                                      Filters,
                                      find_region,
                                      post_url,
                                      preset_range,
                                      region_display_name,
                                      region_keys,
)
from monitor.metrics.health import (
                                      ApiUsage,
                                      CollectionGap,
                                      CollectionState,
                                      RunCounts,
                                      RunRow,
                                      api_usage_this_month,
                                      collection_gaps,
                                      collection_states,
                                      recent_runs,
                                      search_run_counts,
                                      stale_limit,
)
from monitor.metrics.posts import PostRow, top_posts
from monitor.metrics.sql import Bind

__all__ = [
    "ACCOUNTS_LIMIT", "ALL", "AUTHOR_CLASSES", "BUDGET_EXCEEDED_SHARE", "BUDGET_WARNING_SHARE", "CSV_MAX_ROWS",
    "DEFINITIONS", "DEFINITIONS_BY_KEY", "HOURLY_MAX_DAYS", "MEMBERS", "MIN_POSTS_TO_COMPARE", "NAHT", "POST_KINDS",
    "PRESETS", "PRESET_CODES", "PRICE_PER_POST_READ", "PRICE_PER_USER_READ", "SELECTABLE_REGIONS",
    "STALE_AFTER_INTERVALS", "AccountRow", "api_usage_this_month", "ApiUsage", "audience", "Audience", "AuthorRef",
    "Bind", "branches_table", "collection_gaps", "collection_states", "CollectionGap", "CollectionState",
    "ContributorRow", "Definition", "Filters", "find_author", "find_region", "GroupRow", "hashtags", "kpis", "Kpis",
    "kpis_with_change", "KpisWithChange", "mentions", "naht_handles", "post_url", "PostRow", "posts_for_download",
    "posts_page", "PostSearch", "PostsPage", "preset_range", "recent_runs", "region_accounts", "region_display_name",
    "region_keys", "regions_table", "RunCounts", "RunRow", "search_run_counts", "stale_limit", "TermRow", "timeline",
    "TimelinePoint", "top_contributors", "top_posts",
]
