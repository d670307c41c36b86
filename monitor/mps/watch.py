"""The MP watch (optional, off by default): MPs' posts about the campaign's subject, with or without its
hashtags.

One query per batch of the register's X handles, as long as fits X's 512 characters:
`(from:a OR from:b ...) (keyword OR "a phrase" ...) -is:retweet`, keywords from the campaign's
mp_watch_keywords. Each query is a collection run of kind "watch" with its own cursor, resumable and
crash-safe exactly like a search run (monitor.collector), on its own interval ([mp_watch]
interval_minutes). What it finds is stored by the same store path (so post_mps says which MP wrote it)
and marked in mp_watch_matches for the campaign: the MP figures count it, the campaign's post figures
do not (unless the post also carries a campaign term, which makes it a campaign post like any other).
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor.collector import Collector, RunSummary
from monitor.config import Campaign, Config, ConfigError
from monitor.db import transaction
from monitor.metrics.mps import WATCH_RUN_KIND
from monitor.models import MP, MPWatchMatch
from monitor.parse import ParsedPage
from monitor.sources.x import MAX_QUERY_LENGTH, or_queries
from monitor.store import insert_ignore

SUFFIX = "-is:retweet"


def keyword_group(keywords: Sequence[str]) -> str:
    """(CAMHS OR "school funding" ...): a phrase of several words is quoted, so X searches it as one."""
    terms = [f'"{k}"' if " " in k else k for k in keywords]
    return f"({' OR '.join(terms)})"


def build_watch_queries(handles: Sequence[str], keywords: Sequence[str],
                        limit: int = MAX_QUERY_LENGTH) -> list[str]:
    """One query per batch of handles (in the order given), each within `limit` characters."""
    if not keywords or not handles:
        return []
    return or_queries([f"from:{h}" for h in handles], f" {keyword_group(keywords)} {SUFFIX}", limit,
                      lambda _handle: f"the MP watch keywords leave no room for a handle within {limit} characters: "
                                      "use fewer or shorter keywords")


LONGEST_HANDLE = "x" * 15   # X handles have at most 15 characters


def check_keywords(config: Config) -> None:
    """ConfigError (exit 2 from `run`) when a campaign's keywords leave no room for a handle in a query."""
    for index, campaign in enumerate(config.campaigns):
        try:
            build_watch_queries([LONGEST_HANDLE], campaign.mp_watch_keywords)
        except ValueError:
            raise ConfigError(config.path, f"campaigns[{index}].mp_watch_keywords",
                              f"keywords that fit with an X handle in one query of {MAX_QUERY_LENGTH} characters "
                              "(use fewer or shorter ones)") from None


def watched_handles(engine: Engine) -> list[str]:
    """The X handles of the sitting MPs, in member id order (so the batches, and their cursors, stay put
    from one run to the next until the register changes)."""
    with transaction(engine) as s:
        return list(s.scalars(select(MP.x_username).where(MP.sitting.is_(True), MP.x_username.is_not(None))
                              .order_by(MP.member_id)))


class WatchCollector(Collector):
    """The collector with the MP watch's queries: runs of kind "watch", each page's posts marked as found
    by the campaign's watch in the transaction that stores them."""

    RUN_KIND = WATCH_RUN_KIND

    def collect_campaign(self, campaign: Campaign) -> list[RunSummary]:
        summaries = []
        for query in build_watch_queries(watched_handles(self.engine), campaign.mp_watch_keywords):
            if self.stop.is_set():
                break
            summaries.append(self.run_query(campaign, query))
        return summaries

    def after_store(self, session: Session, campaign: Campaign, page: ParsedPage) -> None:
        insert_ignore(session, MPWatchMatch, [{"post_id": p["id"], "campaign": campaign.name} for p in page.posts],
                      ["post_id", "campaign"])
