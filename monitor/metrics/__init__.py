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
`explorer` (search and download), `health` (collection gaps, collector status, API usage), `privacy`
(removed posts, retention, requests), `spend` (the month's X bill), `alerts` (alerts sent) and `mps`
(which MPs the campaign reaches, per region) and `actions` (campaign actions, their history and effect).
"""
from monitor.metrics.actions import (
                                      EFFECT_FIGURES,
                                      ActionRow,
                                      Change,
                                      Effect,
                                      Figures,
                                      VersionRow,
                                      action,
                                      action_counts,
                                      action_effect,
                                      action_history,
                                      actions_in,
                                      effects,
)
from monitor.metrics.alerts import AlertRow, recent_alerts
from monitor.metrics.audience import ALL, AUTHOR_CLASSES, MEMBERS, MPS, NAHT, Audience, audience, naht_handles
from monitor.metrics.campaign import (
                                      ACCOUNTS_LIMIT,
                                      HOURLY_MAX_DAYS,
                                      AccountRow,
                                      ContributorRow,
                                      GroupRow,
                                      Kpis,
                                      KpisWithChange,
                                      NetworkPoint,
                                      TermRow,
                                      TimelinePoint,
                                      branches_table,
                                      hashtags,
                                      kpis,
                                      kpis_by_network,
                                      kpis_with_change,
                                      mentions,
                                      region_accounts,
                                      regions_table,
                                      timeline,
                                      timeline_by_network,
                                      top_contributors,
)
from monitor.metrics.definitions import (
                                      BILLING_RULE,
                                      BUDGET_EXCEEDED_SHARE,
                                      BUDGET_WARNING_SHARE,
                                      DEFINITIONS,
                                      DEFINITIONS_BY_KEY,
                                      ENGAGED,
                                      MENTIONED,
                                      MIN_POSTS_TO_COMPARE,
                                      MP_STATUSES,
                                      NOT_REACHED,
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
from monitor.metrics.mps import (
                                      MpCampaignPost,
                                      MpCounts,
                                      MpPostRow,
                                      MpRegionRow,
                                      MpRow,
                                      MpShare,
                                      MpWeek,
                                      MpWeekRegion,
                                      MpWeekRow,
                                      WatchUsage,
                                      mp_contributors,
                                      mp_counts,
                                      mp_parties,
                                      mp_posts,
                                      mp_posts_with_campaign_terms_since,
                                      mp_regions,
                                      mp_table,
                                      mp_week,
                                      watch_usage_this_month,
)
from monitor.metrics.posts import AuthorRef, PostRow, find_author, top_posts
from monitor.metrics.privacy import (
    RequestRow,
    RetentionRun,
    last_deletion_check,
    last_retention_run,
    privacy_requests,
    removed_posts,
)
from monitor.metrics.sources import SOURCE_WINDOW, SourceState, source_states
from monitor.metrics.spend import Spend, SpendRow, spend_this_month, spend_usd
from monitor.metrics.sql import Bind
from monitor.mps.detect import is_mp_author

__all__ = [
    "AlertRow", "BILLING_RULE", "Spend", "SpendRow", "recent_alerts", "spend_this_month", "spend_usd",
    "ACCOUNTS_LIMIT", "BUDGET_EXCEEDED_SHARE", "BUDGET_WARNING_SHARE", "CSV_MAX_ROWS", "DEFINITIONS",
    "DEFINITIONS_BY_KEY", "HOURLY_MAX_DAYS", "POST_KINDS", "PRESETS", "PRICE_PER_POST_READ", "PRICE_PER_USER_READ",
    "SELECTABLE_REGIONS", "STALE_AFTER_INTERVALS", "AccountRow", "ApiUsage", "Bind", "CollectionGap",
    "CollectionState", "ContributorRow", "Definition", "Filters", "GroupRow", "Kpis", "KpisWithChange", "PostRow",
    "PostSearch", "PostsPage", "RequestRow", "RetentionRun", "RunCounts", "RunRow", "TermRow", "TimelinePoint",
    "api_usage_this_month", "branches_table", "collection_gaps", "collection_states", "hashtags", "kpis",
    "kpis_with_change", "last_deletion_check", "last_retention_run", "mentions", "post_url", "posts_for_download",
    "posts_page",
    "preset_range", "privacy_requests", "recent_runs", "region_accounts", "region_display_name", "region_keys",
    "regions_table", "removed_posts", "search_run_counts", "stale_limit", "timeline", "top_contributors", "top_posts",
    # MPs (monitor.metrics.mps)
    "ENGAGED", "MENTIONED", "MP_STATUSES", "NOT_REACHED", "MpCampaignPost", "MpCounts", "MpPostRow", "MpRegionRow",
    "MpRow", "MpShare", "MpWeek", "MpWeekRegion", "MpWeekRow", "WatchUsage", "is_mp_author", "mp_contributors",
    "mp_counts", "mp_parties", "mp_posts", "mp_posts_with_campaign_terms_since", "mp_regions", "mp_table", "mp_week",
    "watch_usage_this_month",
    "ALL", "AUTHOR_CLASSES", "MEMBERS", "MIN_POSTS_TO_COMPARE", "MPS", "NAHT", "PRESET_CODES", "Audience", "AuthorRef",
    "audience", "find_author", "find_region", "naht_handles",
    # networks (monitor.metrics.campaign, monitor.metrics.sources)
    "NetworkPoint", "kpis_by_network", "timeline_by_network", "SOURCE_WINDOW", "SourceState", "source_states",
    # campaign actions (monitor.metrics.actions)
    "EFFECT_FIGURES", "ActionRow", "Change", "Effect", "Figures", "VersionRow", "action", "action_counts",
    "action_effect", "action_history", "actions_in", "effects",
]
