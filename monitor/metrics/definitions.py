"""What each figure means, and the rules and prices the figures are computed with: one home for each.

The texts are shown on the dashboard's help page, beside every KPI card and in the weekly report; the
numbers inside them are the constants below, so a changed rule changes its text too.
"""
from __future__ import annotations

from dataclasses import dataclass

from monitor.billing import BILLING_RULE, DEFAULT_PRICES
from monitor.config import DEFAULT_EFFECT_DAYS, DEFAULT_WARNING_SHARE

POST_KINDS = ("original", "reply", "quote")

# X's pay-per-use prices (docs: x-api-v2.md), kept in monitor.billing with the rule: a resource read twice in
# one UTC day is billed once. [x_api] in config.toml may set others.
PRICE_PER_POST_READ = DEFAULT_PRICES.post_read
PRICE_PER_USER_READ = DEFAULT_PRICES.user_read

# Collection is stale when no search run has succeeded for longer than this many intervals: one late
# run is normal (a slow page, a rate-limit wait), two missed ones are a gap worth a banner.
STALE_AFTER_INTERVALS = 2

# A change against the previous period is shown only when that period had at least this many posts:
# against 3 posts, one more or less reads as a 33% swing that means nothing.
MIN_POSTS_TO_COMPARE = 20

# The budget: from this share of it (by default; [x_api] budget_warning_share) the refresh reads only its last
# step; at all of it collection pauses (monitor.budget).
BUDGET_WARNING_SHARE = DEFAULT_WARNING_SHARE
BUDGET_EXCEEDED_SHARE = 1.0

# An MP's status in a period, in this order of precedence (monitor.metrics.mps): the MP posted about the
# campaign; else a campaign post mentioned them; else neither.
ENGAGED, MENTIONED, NOT_REACHED = "engaged", "mentioned", "not reached"
MP_STATUSES = (ENGAGED, MENTIONED, NOT_REACHED)


@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    text: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition("posts", "Posts",
               "Posts that matched the campaign's hashtags or mentions in the period (UK calendar days), "
               "split into originals, replies and quotes. Reposts are not collected. A post matching several "
               "campaign terms counts once. A post is matched on its whole text, a long post's (over 280 "
               "characters) too. An edited post counts once, as its latest version. A post later deleted or made "
               "private on its network, or erased on request, stays counted (see Removed posts)."),
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
    Definition("removed_posts", "Removed posts",
               "A post deleted or made private on its network, or whose author asked to be forgotten, is "
               "removed when it is next read: an X post at its next metrics refresh or, once that has ended, "
               "by the daily deletion check, which asks Bluesky and Mastodon for theirs too (or at once, for "
               "a request): its text, links, hashtags, mentions, place, "
               "raw data and author are erased, and it is no longer listed anywhere (tables, explorer, "
               "downloads, reports). What the figures need stays, identifying no one: its UK day and hour, "
               "kind, region and branch, the campaign it matched, its author's follower count as of the post "
               "and its metrics as last seen. So a period's posts, impressions and engagements do not change. "
               "Contributors and potential reach count a removed post's author once for all the posts "
               "removed with them (a forgotten or protected account's posts go together); a single deleted "
               "post whose author has other posts in the period counts as one more contributor there, with "
               "the followers they had then. Hashtag and mention charts no longer count a removed post's "
               "hashtags and mentions. A weekly report says how many of its posts were removed."),
    Definition("change", "Change",
               "Each card's change compares the period with the previous period of the same length (for 7 days, "
               "the 7 days before). It is left out when the previous period had fewer than "
               f"{MIN_POSTS_TO_COMPARE} posts (too few for a percentage to mean anything), and for a single day "
               "that is not over yet (today so far against a whole day). Unknown share changes in percentage "
               "points."),
    Definition("authors", "NAHT accounts, MPs, members and public",
               "NAHT accounts are NAHT's own national and branch accounts: the known accounts in the "
               "configuration (the built-in defaults know @NAHTnews). MPs are the sitting MPs of the register "
               "whose X account is known (see MP engaged). Members and public are every other author. Each "
               "page can count all authors or one class; with all authors, each card says how much of its "
               "figure NAHT's own accounts make."),
    Definition("collection_gap", "Collection gap",
               f"A period in which the collector had no successful run for longer than {STALE_AFTER_INTERVALS} "
               "times its interval, or a failed run: posts from that time may be missing until a later run "
               "catches up (X keeps 7 days)."),
    Definition("billed", "Billed this month",
               f"What X bills for this UTC month so far: each post (${PRICE_PER_POST_READ:.3f}) and each user "
               f"(${PRICE_PER_USER_READ:.3f}) a response returned, recorded as it is read, and {BILLING_RULE}. "
               "The mentions timeline's posts are owned reads, billed at the owned price. Posts read and users "
               "read on the cards count every read, so they are higher than what is billed."),
    Definition("projected_spend", "Projected month end",
               "The spend so far plus the same daily rate until the UTC month ends."),
    Definition("days_left", "Days left before the budget",
               "How long the rest of the budget lasts at this month's daily rate. At the budget, collection and "
               f"the metrics refresh pause until the month turns; from {BUDGET_WARNING_SHARE:.0%} of it the refresh "
               "reads only the last step of its schedule."),
    Definition("mp_engaged", "MP engaged",
               "A sitting MP of the register (the 650 MPs, with the X handles from the register or as corrected "
               "by a person) who, in the period, posted a post that matched the campaign's hashtags or "
               "mentions, replied to or quoted a campaign post, or (with the MP watch on) posted about the "
               "campaign's subject in a post the MP watch found. An account is the MP's when its handle is the "
               "MP's, and stays theirs by its X user id when the handle is renamed. Posts by MPs count here, "
               "never as posts by members."),
    Definition("mp_mentioned", "MP mentioned",
               "An MP who did not post about the campaign in the period, but whom a campaign post in the period "
               "mentioned (@handle): members asking their MP. 'Members mentioning' counts the unique authors of "
               "those posts who are not MPs themselves."),
    Definition("mp_not_reached", "MP not reached",
               "An MP neither engaged nor mentioned in the period. An MP with no known X handle can only be "
               "'not reached' here: add the handle on the MPs page or with `campaign-monitor mps set-handle`."),
    Definition("mp_contributors", "Contributors who are MPs",
               "How many of the period's contributors (unique authors of campaign posts) are MPs of the "
               "register, and their posts. A post later deleted or made private on its network stops "
               "counting for an MP when it is next read (the metrics refresh, or the daily deletion check)."),
    Definition("mp_new", "MPs new this week",
               "MPs engaged this week (Monday to Sunday, UK time) who had not engaged in the campaign in any "
               "earlier week."),
    Definition("mp_watch_cost", "MP watch API use",
               "The MP watch's runs, requests and posts read this UTC month, and their estimated cost at the prices "
               "below; users read are the distinct authors per UTC day of the posts it read. Included in the "
               "month's totals too."),
)
ACTION_DEFINITIONS: tuple[Definition, ...] = (
    Definition("actions", "Campaign actions",
               "What members and staff did for the campaign (an MP roundtable, a letter-writing evening, a school "
               "visit, media, a conference...), recorded by hand on the Actions or Region page, with the "
               "`campaign-monitor actions` commands or a spreadsheet import: its UK day (and time), kind, "
               "region (none: a national action), branch, MPs, link and notes, with who recorded it. An edit "
               "keeps the version before; a removed action leaves the map and the lists but keeps its history. "
               "The map's tooltip counts each region's actions in the period; a mark on a timeline is an action "
               "(point at it to read it)."),
    Definition("action_effect", "Effect of an action",
               f"Posts, contributors, potential reach and engagements (counted as above) in the action's region in "
               f"the N UK days from the action's day (that day and the N-1 after it; N is {DEFAULT_EFFECT_DAYS} "
               "unless [actions] effect_days says otherwise) against the N days before it, as counts and as a "
               "change in per cent; beside it, the same change over the same days in every other region together "
               "(NAHT's national accounts and Unknown are in no region, so not in either). The effect is the "
               "region's change minus the other regions', in percentage points: +30 points means the region "
               "grew 30 points faster than the rest of the country over the same days. A national action (no "
               "region) has no rest of the country to compare with: its figures are every post of the campaign "
               "and its effect is that change alone, which a national news day moves as much as the action. "
               f"Under {MIN_POSTS_TO_COMPARE} posts in the region before or after, it says 'too few posts to "
               "tell'; while the N days after have not ended, 'not over yet'; when collection began inside the "
               "N days before, there is no whole 'before' to compare. Two actions in one region within 2N days "
               "share some days: each is measured on its own windows, and each says the other overlaps it."),
)
DEFINITIONS = DEFINITIONS + ACTION_DEFINITIONS
DEFINITIONS_BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}
