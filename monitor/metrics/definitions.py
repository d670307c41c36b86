"""What each figure means, and the rules and prices the figures are computed with: one home for each.

The texts are shown on the dashboard's help page, beside every KPI card and in the weekly report; the
numbers inside them are the constants below, so a changed rule changes its text too.
"""
from __future__ import annotations

from dataclasses import dataclass

POST_KINDS = ("original", "reply", "quote")

# X's pay-per-use prices (docs: x-api-v2.md): a resource read twice in one UTC day is billed once.
PRICE_PER_POST_READ = 0.005
PRICE_PER_USER_READ = 0.010

# Collection is stale when no search run has succeeded for longer than this many intervals: one late
# run is normal (a slow page, a rate-limit wait), two missed ones are a gap worth a banner.
STALE_AFTER_INTERVALS = 2

# The health page's budget bar: a warning from this share of the monthly budget, an error past it.
BUDGET_WARNING_SHARE = 0.8
BUDGET_EXCEEDED_SHARE = 1.0


@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    text: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition("posts", "Posts",
               "Posts that matched the campaign's hashtags or mentions in the period (UK calendar days), "
               "split into originals, replies and quotes. Reposts are not collected. A post matching several "
               "campaign terms counts once. A post later deleted on X stays counted."),
    Definition("contributors", "Contributors", "Unique authors of those posts."),
    Definition("potential_reach", "Potential reach",
               "The sum of the followers of each unique author in the period, taking the followers they had "
               "as of their post (when it was first collected). An author with several posts counts once, "
               "with the smallest of their follower counts in the period (their count at their first post, "
               "as followers mostly grow). It is how many accounts could have seen a post, not how many did; "
               "a follower of two authors is counted twice. Daily reach counts each author once per day, "
               "so daily figures do not add up to the period's figure."),
    Definition("impressions", "Impressions",
               "The sum of X's impression counts of the posts: how many times X showed them. X counts these; "
               "they are re-read for a week after posting, then frozen. Bluesky and Mastodon count no "
               "impressions: their posts show 'not given' (never 0), and with every network shown the figure "
               "is X's posts' alone."),
    Definition("engagements", "Engagements",
               "Likes + reposts + replies + quotes + bookmarks on the posts (bookmarks on X only; on Bluesky and "
               "Mastodon reposts are reposts and boosts, likes are likes and favourites)."),
    Definition("network", "Network",
               "Where a post was made: X, Bluesky or Mastodon (the filter in the sidebar shows one or all). "
               "Each network's figures are its own posts; together they make the campaign's. A person posting "
               "on two networks is two contributors, and a Mastodon post seen on two servers is one post."),
    Definition("unknown_share", "Unknown share",
               "The share of posts whose region could not be told from a known account, a correction, the "
               "post's place or the author's profile location. We show Unknown rather than guess: a wrong "
               "region is worse than an unknown one."),
    Definition("collection_gap", "Collection gap",
               f"A period in which the collector had no successful run for longer than {STALE_AFTER_INTERVALS} "
               "times its interval, or a failed run: posts from that time may be missing until a later run "
               "catches up (X keeps 7 days)."),
    Definition("estimated_cost", "Estimated API cost",
               f"Posts read this month x ${PRICE_PER_POST_READ:.3f} plus users read x ${PRICE_PER_USER_READ:.3f} "
               "(X's pay-per-use prices). X bills a resource read twice in one UTC day once; posts read are "
               "counted per run, so the estimate errs high."),
)
DEFINITIONS_BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}
