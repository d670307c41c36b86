"""How the engagement of a simulated post is drawn and how it grows with age.

The model, in the shape real campaign posts have:

- **impressions** come from the author's followers: a share of them sees the post (log-normal, median 8%,
  so it varies several-fold between posts), plus a few people finding it through the hashtag
  (exponential, mean 15); about 1 post in 50 travels further (a Pareto multiplier from 5x, capped at 200x):
  the heavy tail;
- **engagements** are drawn around an engagement rate of the impressions (log-normal, median 1%), each
  kind (likes 62%, reposts 12%, replies 10%, quotes 3%, bookmarks 13%) a Poisson count: a post seen by
  60 people mostly gets nothing at all, a post seen by 50,000 gets hundreds;
- **growth**: a post's counts approach their final values along two exponentials, a fast one (time
  constant 0.5-3 h) carrying 75-95% of them and a slow one (24-72 h) the rest: about 90% of the
  engagement arrives in the first day. Counts are whole numbers that only go up: each is
  min(final, floor(final x grown + dither)), with one dither in [0, 1) a post.

Every draw comes from a generator seeded by the corpus seed and the post id, so the model can change
without changing the rest of the corpus (texts, authors, times), and the other way round.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

METRIC_NAMES = ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count", "impression_count")
# Shares of the engagements, in METRIC_NAMES order (reposts, replies, likes, quotes, bookmarks).
ENGAGEMENT_SHARES = (0.12, 0.10, 0.62, 0.03, 0.13)
MEDIAN_REACH, REACH_SPREAD = 0.08, 0.9          # share of followers who see a post (log-normal)
HASHTAG_VIEWERS = 15                            # mean of the impressions from outside the followers
VIRAL_SHARE, VIRAL_FROM, VIRAL_ALPHA, VIRAL_CAP = 0.02, 5.0, 1.3, 200.0
MEDIAN_RATE, RATE_SPREAD, MAX_RATE = 0.01, 0.8, 0.2


@dataclass(frozen=True, slots=True)
class Growth:
    fast_share: float = 1.0
    fast_hours: float = 1.0 / math.log(2)   # a one-hour half-life
    slow_hours: float = 48.0
    dither: float = 0.0

    def grown(self, age_hours: float) -> float:
        t = max(0.0, age_hours)
        return (self.fast_share * (1 - math.exp(-t / self.fast_hours))
                + (1 - self.fast_share) * (1 - math.exp(-t / self.slow_hours)))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:   # normal approximation: exact enough, and fast for big posts
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def draw_engagement(seed: int, post_id: str, followers: int) -> tuple[tuple[int, ...], Growth]:
    """The final counts (METRIC_NAMES order) and the growth curve of one post."""
    rng = random.Random((seed << 64) ^ int(post_id))
    reach = min(1.5, math.exp(rng.gauss(math.log(MEDIAN_REACH), REACH_SPREAD)))
    impressions = followers * reach + rng.expovariate(1 / HASHTAG_VIEWERS)
    if rng.random() < VIRAL_SHARE:
        impressions *= min(VIRAL_CAP, VIRAL_FROM * rng.paretovariate(VIRAL_ALPHA))
    rate = min(MAX_RATE, math.exp(rng.gauss(math.log(MEDIAN_RATE), RATE_SPREAD)))
    expected = impressions * rate
    counts = [_poisson(rng, expected * share) for share in ENGAGEMENT_SHARES]
    growth = Growth(fast_share=rng.uniform(0.75, 0.95), fast_hours=rng.uniform(0.5, 3.0),
                    slow_hours=rng.uniform(24.0, 72.0), dither=rng.random())
    return (*counts, int(impressions)), growth


def metrics_at(final: tuple[int, ...], growth: Growth, age_hours: float) -> dict:
    """The public_metrics a post shows at this age."""
    grown = growth.grown(age_hours)
    return {name: min(total, int(total * grown + growth.dither)) for name, total in zip(METRIC_NAMES, final)}
